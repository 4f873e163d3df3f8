package io.matchstream.ingest;

import io.matchstream.schemas.wire.RegistryConnector;
import io.matchstream.schemas.Topics;
import java.util.Properties;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.consumer.OffsetResetStrategy;

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
                JobEnvironment.configuration(config, null));
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
                JobEnvironment.configuration(config, restoreFrom, clientConfiguration));
        build(env);
        return env.executeAsync(IngestConfig.JOB_NAME);
    }

    static KafkaSource<RawEvent> kafkaSource(IngestConfig config) {
        return KafkaSource.<RawEvent>builder()
                .setBootstrapServers(config.bootstrapServers())
                .setTopics(Topics.RAW_PROFILE_UPLOADS.name(), Topics.RAW_SWIPES.name(), Topics.RAW_PROFILE_DELETIONS.name())
                .setGroupId(config.groupId())
                .setStartingOffsets(OffsetsInitializer.committedOffsets(OffsetResetStrategy.EARLIEST))
                .setDeserializer(new RawEventDeserializationSchema())
                .setProperty("isolation.level", "read_committed")
                .setProperty("max.partition.fetch.bytes", Integer.toString(Topics.MAX_RECORD_BYTES))
                .setProperty("partition.discovery.interval.ms", "60000")
                .build();
    }

    public static KafkaSink<Outgoing> kafkaSink(IngestConfig config) {
        Properties producer = new Properties();
        producer.setProperty("transaction.timeout.ms", Long.toString(config.transactionTimeout().toMillis()));
        producer.setProperty("max.request.size", Integer.toString(Topics.MAX_RECORD_BYTES + 1024 * 1024));
        producer.setProperty("linger.ms", "5");
        producer.setProperty("batch.size", Integer.toString(256 * 1024));
        producer.setProperty("compression.type", config.compression());
        return KafkaSink.<Outgoing>builder()
                .setBootstrapServers(config.bootstrapServers())
                .setRecordSerializer(new OutgoingSerializationSchema())
                .setDeliveryGuarantee(DeliveryGuarantee.EXACTLY_ONCE)
                .setTransactionalIdPrefix(config.transactionalIdPrefix())
                .setKafkaProducerConfig(producer)
                .build();
    }
}
