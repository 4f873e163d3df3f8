package io.matchstream.schemas.flink;

import java.time.Duration;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.CoreOptions;
import org.apache.flink.configuration.ExternalizedCheckpointRetention;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.configuration.StateBackendOptions;
import org.apache.flink.configuration.StateRecoveryOptions;
import org.apache.flink.core.execution.CheckpointingMode;
import org.apache.flink.state.rocksdb.RocksDBConfigurableOptions;

/**
 * Checkpointing, state backend and recovery settings every matchstream job shares, as one Flink
 * configuration: exactly-once checkpoints retained on cancellation (so a restart resumes), RocksDB with
 * incremental checkpoints by default.
 */
public final class JobEnvironment {
    /** What differs between jobs. {@code checkpointDir} is a URI; each job checkpoints below it in its own folder. */
    public record Settings(String jobName, int parallelism, Duration checkpointInterval, String checkpointDir,
            String stateBackend) {}

    private JobEnvironment() {}

    public static Configuration configuration(Settings config, String restoreFrom) {
        return configuration(config, restoreFrom, new Configuration());
    }

    public static Configuration configuration(Settings config, String restoreFrom, Configuration base) {
        Configuration conf = new Configuration(base);
        conf.set(PipelineOptions.NAME, config.jobName());
        conf.set(CoreOptions.DEFAULT_PARALLELISM, config.parallelism());
        conf.set(PipelineOptions.OBJECT_REUSE, true);
        conf.set(CheckpointingOptions.CHECKPOINTING_INTERVAL, config.checkpointInterval());
        conf.set(CheckpointingOptions.CHECKPOINTING_CONSISTENCY_MODE, CheckpointingMode.EXACTLY_ONCE);
        conf.set(CheckpointingOptions.MIN_PAUSE_BETWEEN_CHECKPOINTS, config.checkpointInterval().dividedBy(2));
        conf.set(CheckpointingOptions.CHECKPOINTING_TIMEOUT, Duration.ofMinutes(5));
        conf.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY, config.checkpointDir() + "/" + config.jobName());
        conf.set(CheckpointingOptions.EXTERNALIZED_CHECKPOINT_RETENTION, ExternalizedCheckpointRetention.RETAIN_ON_CANCELLATION);
        conf.set(CheckpointingOptions.MAX_RETAINED_CHECKPOINTS, 3);
        conf.set(StateBackendOptions.STATE_BACKEND, config.stateBackend());
        conf.set(CheckpointingOptions.INCREMENTAL_CHECKPOINTS, config.stateBackend().equals("rocksdb"));
        // Most state lookups are for keys never seen (new event ids, new users): a bloom filter answers
        // those without reading SST files.
        conf.set(RocksDBConfigurableOptions.USE_BLOOM_FILTER, true);
        if (restoreFrom != null) {
            conf.set(StateRecoveryOptions.SAVEPOINT_PATH, restoreFrom);
        }
        return conf;
    }
}
