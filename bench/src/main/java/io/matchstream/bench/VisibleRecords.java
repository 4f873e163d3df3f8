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
 * Open it before the job starts, so that nothing the job commits is missed. Successive waits share the
 * count: records a wait saw beyond what it waited for count towards the next one.
 */
final class VisibleRecords implements AutoCloseable {
    private final KafkaConsumer<byte[], byte[]> consumer;
    /** Records polled so far. */
    private long seen;
    /** Of those, the ones earlier waits waited for. */
    private long claimed;

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

    Throughput await(long warmup, long expected, Duration timeout, HeapSampler heap) {
        return await(warmup, expected, timeout, heap, () -> {});
    }

    /**
     * Waits for {@code warmup + expected} more records and times the ones after the warm-up: the clock starts
     * at the poll that sees the warm-up's last record (at the first visible record without a warm-up, so
     * that start-up is left out) and stops at the poll that sees the last one. {@code atStart} runs when the
     * clock starts, so that what else a caller reads covers the same interval.
     */
    Throughput await(long warmup, long expected, Duration timeout, HeapSampler heap, Runnable atStart) {
        long deadline = System.nanoTime() + timeout.toNanos();
        long base = claimed;
        long firstNanos = -1;
        long firstCount = 0;
        while (System.nanoTime() < deadline) {
            long mine = seen - base;
            long now = System.nanoTime();
            if (firstNanos < 0 && mine > 0 && mine >= warmup) {
                firstNanos = now;
                firstCount = mine;
                atStart.run();
            }
            if (mine >= warmup + expected && firstNanos >= 0) {
                claimed = base + warmup + expected;
                return new Throughput(mine - firstCount, (now - firstNanos) / 1e9, heap == null ? 0 : heap.peakBytes(), Double.NaN);
            }
            seen += consumer.poll(Duration.ofMillis(20)).count();
        }
        throw new IllegalStateException("output did not reach " + (warmup + expected) + " more records within " + timeout
                + " (saw " + (seen - base) + ")");
    }

    /** Waits, untimed, for {@code records} more records. */
    void drain(long records, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (seen - claimed < records) {
            if (System.nanoTime() >= deadline) {
                throw new IllegalStateException("output did not reach " + records + " more records within " + timeout
                        + " (saw " + (seen - claimed) + ")");
            }
            seen += consumer.poll(Duration.ofMillis(20)).count();
        }
        claimed += records;
    }

    @Override
    public void close() {
        consumer.close();
    }
}
