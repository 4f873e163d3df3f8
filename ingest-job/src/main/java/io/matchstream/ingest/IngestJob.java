package io.matchstream.ingest;

import io.matchstream.schemas.Topics;
import io.matchstream.schemas.flink.JobEnvironment;
import io.matchstream.schemas.flink.KafkaIo;
import io.matchstream.schemas.flink.Outgoing;
import io.matchstream.schemas.flink.RawEvent;
import io.matchstream.schemas.wire.RegistryConnector;
import java.util.List;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * Raw profile uploads, swipes and deletions in; validated, de-duplicated events out, exactly once; every
 * refused record to the dead-letter topic with its reason.
 *
 * <pre>raw topics -> validate (dead letters) -> keyBy(event id) -> deduplicate -> clean topics</pre>
 */
public class IngestJob {
    private final IngestConfig config;
    private final Source<RawEvent, ?, ?> source;
    private final Sink<Outgoing> sink;
    private final RegistryConnector registry;

    public IngestJob(IngestConfig config, Source<RawEvent, ?, ?> source, Sink<Outgoing> sink, RegistryConnector registry) {
        this.config = config;
        this.source = source;
        this.sink = sink;
        this.registry = registry;
    }

    /** The production wiring: Kafka in, Kafka out, the registry over HTTP. */
    public static IngestJob onKafka(IngestConfig config) {
        return new IngestJob(config, kafkaSource(config), kafkaSink(config), RegistryConnector.http(config.registryUrl()));
    }

    public static void main(String[] args) throws Exception {
        IngestConfig config = IngestConfig.fromArgs(args);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(
                JobEnvironment.configuration(config.jobSettings(), null));
        onKafka(config).build(env);
        env.execute(IngestConfig.JOB_NAME);
    }

    /** Builds the pipeline into {@code env}. */
    public void build(StreamExecutionEnvironment env) {
        DataStream<RawEvent> raw = env.fromSource(source, WatermarkStrategy.noWatermarks(), "raw events")
                .uid("raw-events");
        SingleOutputStreamOperator<ValidatedEvent> valid = raw
                .process(new ValidateFunction(registry, config), ValidatedEventSerializer.TYPE)
                .name("validate").uid("validate");
        DataStream<Outgoing> clean = valid
                .keyBy(event -> event.dedupKey)
                .process(new DeduplicateFunction(config.dedupTtl()))
                .name("deduplicate").uid("deduplicate");
        clean.union(valid.getSideOutput(ValidateFunction.DEAD_LETTERS))
                .sinkTo(sink)
                .name("clean topics and dead letters").uid("sink");
    }

    /**
     * Submits the job to the cluster that {@code clientConfiguration} names (execution target "remote":
     * the embedded MiniCluster or a real cluster's REST API) without waiting for it to end.
     */
    public JobClient start(Configuration clientConfiguration, String restoreFrom) throws Exception {
        StreamExecutionEnvironment env = new StreamExecutionEnvironment(
                JobEnvironment.configuration(config.jobSettings(), restoreFrom, clientConfiguration));
        build(env);
        return env.executeAsync(IngestConfig.JOB_NAME);
    }

    static KafkaSource<RawEvent> kafkaSource(IngestConfig config) {
        return KafkaIo.rawSource(config.bootstrapServers(), config.groupId(), List.of(
                Topics.RAW_PROFILE_UPLOADS.name(), Topics.RAW_SWIPES.name(), Topics.RAW_PROFILE_DELETIONS.name()));
    }

    public static KafkaSink<Outgoing> kafkaSink(IngestConfig config) {
        return KafkaIo.exactlyOnceSink(config.bootstrapServers(), config.transactionalIdPrefix(),
                config.transactionTimeout(), config.compression());
    }
}
