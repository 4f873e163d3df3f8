package io.matchstream.bench;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;

/**
 * Watches how much output a read_committed consumer could see: the last stable offsets of the output
 * topics. A run is done when no transaction is open (stable = end) and at least the expected records
 * are there. Throughput is counted from the first visible output, so job start-up is left out.
 *
 * <p>Committed <em>input</em> offsets are no measure: the Kafka source commits them from its fetcher,
 * which sits in a 10 s poll once the input is drained, so the last commit lags the real end by seconds.
 */
final class VisibleOutput {
    private VisibleOutput() {}

    static Throughput await(String bootstrap, List<TopicPartition> output, long expected, Duration timeout,
            HeapSampler heap) throws Exception {
        Properties props = new Properties();
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
        output.forEach(tp -> latest.put(tp, OffsetSpec.latest()));
        try (Admin admin = Admin.create(props)) {
            // Earlier runs may have written to the same topics: count only what appears from now on.
            long before = sum(admin.listOffsets(latest).all().get());
            long deadline = System.nanoTime() + timeout.toNanos();
            long firstNanos = -1;
            long firstCount = 0;
            while (System.nanoTime() < deadline) {
                long stable = sum(admin.listOffsets(latest, new ListOffsetsOptions(IsolationLevel.READ_COMMITTED)).all().get()) - before;
                long end = sum(admin.listOffsets(latest).all().get()) - before;
                long now = System.nanoTime();
                if (stable > 0 && firstNanos < 0) {
                    firstNanos = now;
                    firstCount = stable;
                }
                // Offsets also count one transaction marker per partition and commit: >= expected is safe.
                if (stable == end && stable >= expected) {
                    return new Throughput(stable - firstCount, (now - firstNanos) / 1e9, heap.peakBytes(), Double.NaN);
                }
                Thread.sleep(50);
            }
            throw new IllegalStateException("output did not reach " + expected + " records within " + timeout);
        }
    }

    private static long sum(Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> offsets) {
        return offsets.values().stream().mapToLong(ListOffsetsResult.ListOffsetsResultInfo::offset).sum();
    }
}
