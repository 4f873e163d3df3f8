package io.matchstream.embedding;

import java.util.Arrays;
import org.apache.flink.metrics.Histogram;
import org.apache.flink.metrics.HistogramStatistics;

/**
 * A Flink histogram over the last {@code capacity} values, which also hands out the last n values in the
 * order they came ({@link #lastValues}): a reader that notes {@link #getCount()} before a stretch of work
 * and again after it knows exactly which values that stretch added (the embedding benchmark reads each
 * window's that way). Flink's own {@code DescriptiveStatisticsHistogram} does not say in which order it
 * returns its values. Updates come from the task thread, reads from the metric reporters' threads.
 */
public final class RecentValuesHistogram implements Histogram {
    private final long[] ring;
    private long count;

    public RecentValuesHistogram(int capacity) {
        if (capacity <= 0) {
            throw new IllegalArgumentException("capacity must be positive, got " + capacity);
        }
        this.ring = new long[capacity];
    }

    @Override
    public synchronized void update(long value) {
        ring[(int) (count % ring.length)] = value;
        count++;
    }

    /** How many values were ever added, not only those kept. */
    @Override
    public synchronized long getCount() {
        return count;
    }

    /** How many of the latest values it keeps. */
    public int capacity() {
        return ring.length;
    }

    /** The last {@code n} values, oldest first; fails when fewer than {@code n} are kept. */
    public synchronized long[] lastValues(int n) {
        if (n < 0 || n > Math.min(count, ring.length)) {
            throw new IllegalArgumentException("asked for the last " + n + " values; " + Math.min(count, ring.length)
                    + " are kept (of " + count + " added, capacity " + ring.length + ")");
        }
        long[] out = new long[n];
        for (int i = 0; i < n; i++) {
            out[i] = ring[(int) ((count - n + i) % ring.length)];
        }
        return out;
    }

    @Override
    public HistogramStatistics getStatistics() {
        long[] kept;
        synchronized (this) {
            kept = lastValues((int) Math.min(count, ring.length));
        }
        return new Statistics(kept);
    }

    /** Percentiles by nearest rank over a sorted copy of the kept values. */
    static final class Statistics extends HistogramStatistics {
        private final long[] sorted;

        Statistics(long[] values) {
            this.sorted = values.clone();
            Arrays.sort(sorted);
        }

        @Override
        public double getQuantile(double quantile) {
            return sorted.length == 0 ? 0 : sorted[nearestRank(sorted.length, quantile)];
        }

        @Override
        public long[] getValues() {
            return sorted.clone();
        }

        @Override
        public int size() {
            return sorted.length;
        }

        @Override
        public double getMean() {
            return sorted.length == 0 ? 0 : Arrays.stream(sorted).average().orElse(0);
        }

        @Override
        public double getStdDev() {
            if (sorted.length < 2) {
                return 0;
            }
            double mean = getMean();
            double squares = 0;
            for (long v : sorted) {
                squares += (v - mean) * (v - mean);
            }
            return Math.sqrt(squares / (sorted.length - 1));
        }

        @Override
        public long getMax() {
            return sorted.length == 0 ? 0 : sorted[sorted.length - 1];
        }

        @Override
        public long getMin() {
            return sorted.length == 0 ? 0 : sorted[0];
        }
    }

    /** Index of the nearest-rank percentile {@code quantile} (0-1) in a sorted array of {@code n} values. */
    public static int nearestRank(int n, double quantile) {
        return Math.min(n - 1, Math.max(0, (int) Math.ceil(quantile * n) - 1));
    }
}
