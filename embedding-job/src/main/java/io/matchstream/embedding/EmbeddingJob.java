package io.matchstream.embedding;

import io.matchstream.schemas.Topics;
import io.matchstream.schemas.flink.JobEnvironment;
import io.matchstream.schemas.flink.KafkaIo;
import io.matchstream.schemas.flink.Outgoing;
import io.matchstream.schemas.flink.RawEvent;
import io.matchstream.schemas.wire.RegistryConnector;
import java.time.Duration;
import java.util.List;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * Validated profile uploads in, one L2-normalised face embedding per photo out (exactly once); photos
 * without one dominant face go to the dead-letter topic; deletions tombstone the user's embedding.
 *
 * <pre>profile-uploads, profile-deletions -> embed (micro-batched detection + encoding) -> profile-embeddings, dead-letters</pre>
 */
public class EmbeddingJob {
    private final EmbeddingConfig config;
    private final Source<RawEvent, ?, ?> source;
    private final Sink<Outgoing> sink;
    private final RegistryConnector registry;

    public EmbeddingJob(EmbeddingConfig config, Source<RawEvent, ?, ?> source, Sink<Outgoing> sink, RegistryConnector registry) {
        this.config = config;
        this.source = source;
        this.sink = sink;
        this.registry = registry;
    }

    public static EmbeddingJob onKafka(EmbeddingConfig config) {
        return onKafka(config, List.of(Topics.PROFILE_UPLOADS.name(), Topics.PROFILE_DELETIONS.name()));
    }

    /**
     * As {@link #onKafka(EmbeddingConfig)}, reading {@code inputTopics} instead of the uploads and deletions
     * topics: their records are uploads unless the topic is the deletions topic. For several jobs side by
     * side on one broker, each with its own input (the embedding benchmark).
     */
    public static EmbeddingJob onKafka(EmbeddingConfig config, List<String> inputTopics) {
        EmbeddingConfig.Job job = config.job();
        return new EmbeddingJob(config,
                KafkaIo.rawSource(job.bootstrapServers(), job.groupId(), inputTopics),
                // An embedding comes out every few tens of ms a task: held up to the checkpoint interval
                // (at most 1 s: the producer's delivery timeout bounds it), when the sink flushes anyway,
                // they reach the broker together, invisible to readers until the commit either way.
                KafkaIo.exactlyOnceSink(job.bootstrapServers(), job.groupId(), Duration.ofMinutes(10), "lz4",
                        Duration.ofMillis(Math.min(job.checkpointIntervalMs(), 1000))),
                RegistryConnector.http(job.registryUrl()));
    }

    public static void main(String[] args) throws Exception {
        EmbeddingConfig config = EmbeddingConfig.fromArgs(args);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(
                JobEnvironment.configuration(config.jobSettings(), null));
        onKafka(config).build(env);
        env.execute(EmbeddingConfig.JOB_NAME);
    }

    public void build(StreamExecutionEnvironment env) {
        env.fromSource(source, WatermarkStrategy.noWatermarks(), "validated uploads and deletions").uid("uploads")
                .transform("embed", TypeInformation.of(Outgoing.class), new EmbedOperator(config, registry)).uid("embed")
                .sinkTo(sink).name("embeddings and dead letters").uid("sink");
    }

    /** Submits the job to the cluster {@code clientConfiguration} names, without waiting for it to end. */
    public JobClient start(Configuration clientConfiguration, String restoreFrom) throws Exception {
        StreamExecutionEnvironment env = new StreamExecutionEnvironment(
                JobEnvironment.configuration(config.jobSettings(), restoreFrom, clientConfiguration));
        build(env);
        return env.executeAsync(EmbeddingConfig.JOB_NAME);
    }
}
