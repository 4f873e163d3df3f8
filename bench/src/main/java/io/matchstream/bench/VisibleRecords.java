package io.matchstream.bench;

import java.time.Duration;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Counts the records a read_committed consumer sees on the output topics from the moment it is opened,
 * one by one. {@link VisibleOutput}'s offsets also count one transaction marker per partition and commit,
 * which at tens of records a second and a commit a second is a tenth of the count; here only records count.
 * Open it before the job starts, so that nothing the job commits is missed.
 */
final class VisibleRecords implements AutoCloseable {
    private final KafkaConsumer<byte[], byte[]> consumer;

    VisibleRecords(String bootstrap, List<TopicPartition> output) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, IsolationLevel.READ_COMMITTED.toString().toLowerCase(java.util.Locale.ROOT));
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        consumer.assign(output);
        consumer.seekToEnd(output);
        output.forEach(consumer::position); // resolves the end now, not at the first poll
    }

    /**
     * Waits for {@code warmup + expected} records and times the ones after the warm-up: the clock starts
     * at the poll that sees the warm-up's last record (at the first visible record without a warm-up, so
     * that start-up is left out) and stops at the poll that sees the last one.
     */
    Throughput await(long warmup, long expected, Duration timeout, HeapSampler heap) {
        long deadline = System.nanoTime() + timeout.toNanos();
        long seen = 0;
        long firstNanos = -1;
        long firstCount = 0;
        while (System.nanoTime() < deadline) {
            seen += consumer.poll(Duration.ofMillis(20)).count();
            long now = System.nanoTime();
            if (firstNanos < 0 && seen > 0 && seen >= warmup) {
                firstNanos = now;
                firstCount = seen;
            }
            if (seen >= warmup + expected && firstNanos >= 0) {
                return new Throughput(seen - firstCount, (now - firstNanos) / 1e9, heap.peakBytes(), Double.NaN);
            }
        }
        throw new IllegalStateException("output did not reach " + (warmup + expected) + " records within " + timeout
                + " (saw " + seen + ")");
    }

    @Override
    public void close() {
        consumer.close();
    }
}
