package io.matchstream.bench;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * Watches a consumer group's committed offsets on its input. A Flink Kafka source commits them when a
 * checkpoint completes, which is also when the exactly-once sink commits its transaction: so committed
 * input is exactly the output that readers can see.
 */
final class CommittedProgress {
    private CommittedProgress() {}

    static Throughput await(String bootstrap, String group, List<TopicPartition> input, Duration timeout,
            HeapSampler heap) throws Exception {
        Properties props = new Properties();
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        try (Admin admin = Admin.create(props)) {
            Map<TopicPartition, OffsetSpec> latest = input.stream().collect(Collectors.toMap(tp -> tp, tp -> OffsetSpec.latest()));
            Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> ends = admin.listOffsets(latest).all().get();
            long target = ends.values().stream().mapToLong(ListOffsetsResult.ListOffsetsResultInfo::offset).sum();
            long deadline = System.nanoTime() + timeout.toNanos();
            long firstNanos = -1;
            long firstCount = 0;
            while (System.nanoTime() < deadline) {
                Map<TopicPartition, OffsetAndMetadata> committed =
                        admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get(10, TimeUnit.SECONDS);
                long count = input.stream().mapToLong(tp -> {
                    OffsetAndMetadata o = committed.get(tp);
                    return o == null ? 0 : o.offset();
                }).sum();
                long now = System.nanoTime();
                if (count > 0 && firstNanos < 0) {
                    firstNanos = now;
                    firstCount = count;
                }
                if (count >= target) {
                    double seconds = (now - firstNanos) / 1e9;
                    return new Throughput(count - firstCount, seconds, heap.peakBytes(), Double.NaN);
                }
                Thread.sleep(100);
            }
            throw new IllegalStateException("group " + group + " did not finish within " + timeout);
        }
    }
}
