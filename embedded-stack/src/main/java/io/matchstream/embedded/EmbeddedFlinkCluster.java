package io.matchstream.embedded;

import java.net.URI;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.apache.flink.changelog.fs.FsStateChangelogOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.DeploymentOptions;
import org.apache.flink.configuration.MemorySize;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.configuration.StateChangelogOptions;
import org.apache.flink.configuration.TaskManagerOptions;
import org.apache.flink.configuration.WebOptions;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.minicluster.MiniClusterConfiguration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Flink MiniCluster with its REST API and web UI on a fixed port. Jobs reach it exactly as they reach
 * a real cluster: through {@link #clientConfiguration()} (execution target "remote").
 */
public final class EmbeddedFlinkCluster implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedFlinkCluster.class);

    private final int restPort;
    private final int slots;
    private final Path changelogDir;
    private final Configuration settings = new Configuration();
    private MiniCluster cluster;
    private URI restAddress;

    /** restPort 0 picks a free port. */
    public EmbeddedFlinkCluster(int restPort, int slots) {
        this(restPort, slots, null);
    }

    /**
     * restPort 0 picks a free port. {@code changelogDir}, when not null, is where jobs that enable the
     * changelog state backend ({@code state.changelog.enabled}) write their state-change logs: the log
     * storage is the task manager's setting, not the job's, and without it Flink keeps the logs in memory.
     */
    public EmbeddedFlinkCluster(int restPort, int slots, Path changelogDir) {
        this.restPort = restPort == 0 ? EmbeddedKafkaBroker.freePort() : restPort;
        this.slots = slots;
        this.changelogDir = changelogDir;
    }

    /** Settings laid over the cluster's own when it starts (a metric reporter, say); call before {@link #start()}. */
    public synchronized EmbeddedFlinkCluster with(Configuration more) {
        if (cluster != null) {
            throw new IllegalStateException("the cluster has started: settings must come before start()");
        }
        settings.addAll(more);
        return this;
    }

    public synchronized EmbeddedFlinkCluster start() {
        if (cluster != null) {
            return this;
        }
        Configuration conf = new Configuration();
        conf.set(RestOptions.BIND_ADDRESS, "localhost");
        conf.set(RestOptions.ADDRESS, "localhost");
        conf.set(RestOptions.PORT, restPort);
        conf.set(TaskManagerOptions.NUM_TASK_SLOTS, slots);
        conf.set(TaskManagerOptions.MANAGED_MEMORY_SIZE, MemorySize.ofMebiBytes(512));
        conf.set(TaskManagerOptions.NETWORK_MEMORY_MIN, MemorySize.ofMebiBytes(64));
        conf.set(TaskManagerOptions.NETWORK_MEMORY_MAX, MemorySize.ofMebiBytes(64));
        conf.set(WebOptions.CHECKPOINTS_HISTORY_SIZE, 1000); // benchmarks read checkpoint durations from REST
        if (changelogDir != null) {
            conf.set(StateChangelogOptions.STATE_CHANGE_LOG_STORAGE, "filesystem");
            conf.set(FsStateChangelogOptions.BASE_PATH, changelogDir.toUri().toString());
        }
        conf.addAll(settings);
        MiniClusterConfiguration config = new MiniClusterConfiguration.Builder()
                .setConfiguration(conf)
                .setNumTaskManagers(1)
                .setNumSlotsPerTaskManager(slots)
                .build();
        cluster = new MiniCluster(config);
        try {
            cluster.start();
            restAddress = cluster.getRestAddress().get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("cannot start the Flink MiniCluster", e);
        }
        LOG.info("Flink MiniCluster: REST API and web UI on {}", restAddress);
        return this;
    }

    public URI restAddress() {
        return restAddress;
    }

    public int restPort() {
        return restPort;
    }

    public MiniCluster miniCluster() {
        return cluster;
    }

    /** Client configuration that submits jobs to this cluster over its REST API. */
    public Configuration clientConfiguration() {
        Configuration conf = new Configuration();
        conf.set(DeploymentOptions.TARGET, "remote");
        conf.set(RestOptions.ADDRESS, restAddress.getHost());
        conf.set(RestOptions.PORT, restAddress.getPort());
        conf.set(DeploymentOptions.ATTACHED, false);
        return conf;
    }

    @Override
    public synchronized void close() throws Exception {
        if (cluster != null) {
            cluster.close();
            cluster = null;
            LOG.info("Flink MiniCluster stopped");
        }
    }
}
