package io.matchstream.index;

import io.matchstream.index.http.QueryServer;
import io.matchstream.schemas.wire.SchemaRegistryClient;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One instance of the index sink and query service: restores the newest snapshot, starts the sink from its
 * offsets, and serves HTTP. {@code main} takes the flags of {@link IndexServiceConfig}.
 */
public final class IndexService implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(IndexService.class);

    private final IndexServiceConfig config;
    private final Shard shard;
    private final IndexSink sink;
    private final QueryServer server;
    private final long startedAt = System.currentTimeMillis();
    private final java.util.concurrent.atomic.AtomicBoolean closed = new java.util.concurrent.atomic.AtomicBoolean();

    private IndexService(IndexServiceConfig config) {
        this.config = config;
        Snapshots snapshots = new Snapshots(config.dataDir(), config.snapshotsKept());
        Snapshots.Restored restored = snapshots.restore(IndexFactory.forType(config.indexType()), config.weights());
        this.shard = restored.shard();
        Metrics metrics = new Metrics();
        this.sink = new IndexSink(config, shard, snapshots, restored.offsets(), restored.takenAtMillis(),
                SchemaRegistryClient.forUrl(config.registryUrl()), metrics);
        metrics.gauge("matchstream_index_vectors", "Vectors in the index of each model version.", () -> {
            Map<String, Double> out = new LinkedHashMap<>();
            shard.indexSizes().forEach((version, size) -> out.put("model_version=\"" + Metrics.label(version) + "\"", size.doubleValue()));
            return out;
        });
        metrics.gauge("matchstream_index_profiles", "Profiles in the attribute store (owned or not).",
                () -> Map.of("", (double) shard.profileCount()));
        metrics.gauge("matchstream_index_consumer_lag_records", "Records not yet applied (owned partitions and matches); -1 while unknown.",
                () -> Map.of("", (double) sink.lag()));
        metrics.gauge("matchstream_index_snapshot_age_seconds", "Seconds since the last snapshot (since start when none was written).",
                () -> Map.of("", (System.currentTimeMillis() - Math.max(sink.lastSnapshotMillis(), startedAt)) / 1000.0));
        metrics.gauge("matchstream_index_owned_partitions", "Profile partitions this instance serves.",
                () -> Map.of("", (double) sink.ownedPartitions().size()));
        RecommendationService recommendations = new RecommendationService(config, shard);
        this.server = new QueryServer(config, shard, recommendations, metrics, new QueryServer.SinkStatus() {
            @Override
            public boolean healthy() {
                return sink.healthy();
            }

            @Override
            public boolean caughtUp() {
                return sink.caughtUp();
            }

            @Override
            public Map<String, Object> details() {
                Map<String, Object> d = new LinkedHashMap<>();
                d.put("caughtUp", sink.caughtUp());
                d.put("lag", sink.lag());
                d.put("ownedPartitions", sink.ownedPartitions());
                d.put("lastSnapshotMillis", sink.lastSnapshotMillis());
                d.put("positions", sink.positions());
                return d;
            }
        }, Clock.systemUTC());
    }

    /** Restores, starts consuming and starts serving. */
    public static IndexService start(IndexServiceConfig config) {
        IndexService service = new IndexService(config);
        service.sink.start();
        service.server.start();
        LOG.info("index service {} on http://localhost:{} (index {}, peers {})", config.instanceId(), service.port(),
                config.indexType(), config.peers().isEmpty() ? "none" : config.peers());
        return service;
    }

    public int port() {
        return server.port();
    }

    public String url() {
        return "http://localhost:" + port();
    }

    public IndexServiceConfig config() {
        return config;
    }

    /** Stops serving, writes a last snapshot, and releases the store and the indexes. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return; // the store's native handles are freed exactly once
        }
        server.close();
        sink.close();
        shard.close();
    }

    public static void main(String[] args) throws InterruptedException {
        IndexServiceConfig config;
        try {
            config = IndexServiceConfig.fromArgs(args);
        } catch (IllegalArgumentException e) {
            System.err.println("error: " + e.getMessage());
            System.err.println("flags (with defaults): " + IndexServiceConfig.flagDefaults());
            System.exit(2);
            return;
        }
        IndexService service = start(config);
        System.out.println("index service listening on " + service.url());
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            service.close();
            stopped.countDown();
        }));
        stopped.await();
    }
}
