package io.matchstream.index;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.DoubleAdder;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;

/**
 * The service's Prometheus metrics in the text exposition format (version 0.0.4), without a client library:
 * labelled counters, one latency histogram, and gauges read when scraped.
 */
public final class Metrics {
    /** Query latency bucket bounds in seconds: around the 1 ms / 5 ms targets of issue #9. */
    private static final double[] BUCKETS = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5};

    private final Map<String, Counter> counters = new ConcurrentHashMap<>();
    private final Map<String, Gauge> gauges = new ConcurrentHashMap<>();
    private final AtomicLongArray bucketCounts = new AtomicLongArray(BUCKETS.length);
    private final LongAdder latencyCount = new LongAdder();
    private final DoubleAdder latencySum = new DoubleAdder();

    private record Counter(String help, Map<String, LongAdder> byLabels) {}

    private record Gauge(String help, Supplier<Map<String, Double>> values) {}

    /** Adds one to {@code name{labels}}; labels are pre-rendered ({@code topic="swipes"}) or empty. */
    public void increment(String name, String help, String labels) {
        counters.computeIfAbsent(name, n -> new Counter(help, new ConcurrentHashMap<>()))
                .byLabels().computeIfAbsent(labels, l -> new LongAdder()).increment();
    }

    public long count(String name, String labels) {
        Counter c = counters.get(name);
        LongAdder a = c == null ? null : c.byLabels().get(labels);
        return a == null ? 0 : a.sum();
    }

    /** A gauge whose labelled values are computed at scrape time ({@code ""} for an unlabelled one). */
    public void gauge(String name, String help, Supplier<Map<String, Double>> values) {
        gauges.put(name, new Gauge(help, values));
    }

    public void observeQuerySeconds(double seconds) {
        for (int i = 0; i < BUCKETS.length; i++) {
            if (seconds <= BUCKETS[i]) {
                bucketCounts.incrementAndGet(i);
            }
        }
        latencyCount.increment();
        latencySum.add(seconds);
    }

    public String render() {
        StringBuilder out = new StringBuilder();
        new TreeMap<>(counters).forEach((name, c) -> {
            out.append("# HELP ").append(name).append(' ').append(c.help()).append('\n');
            out.append("# TYPE ").append(name).append(" counter\n");
            new TreeMap<>(c.byLabels()).forEach((labels, v) -> out.append(name).append(braces(labels)).append(' ').append(v.sum()).append('\n'));
        });
        new TreeMap<>(gauges).forEach((name, g) -> {
            out.append("# HELP ").append(name).append(' ').append(g.help()).append('\n');
            out.append("# TYPE ").append(name).append(" gauge\n");
            new TreeMap<>(g.values().get()).forEach((labels, v) -> out.append(name).append(braces(labels)).append(' ').append(v).append('\n'));
        });
        String h = "matchstream_query_latency_seconds";
        out.append("# HELP ").append(h).append(" Recommendation query latency, fan-out and re-rank included.\n");
        out.append("# TYPE ").append(h).append(" histogram\n");
        for (int i = 0; i < BUCKETS.length; i++) {
            out.append(h).append("_bucket{le=\"").append(BUCKETS[i]).append("\"} ").append(bucketCounts.get(i)).append('\n');
        }
        out.append(h).append("_bucket{le=\"+Inf\"} ").append(latencyCount.sum()).append('\n');
        out.append(h).append("_sum ").append(latencySum.sum()).append('\n');
        out.append(h).append("_count ").append(latencyCount.sum()).append('\n');
        return out.toString();
    }

    /** A label value as the exposition format wants it (backslash, quote and newline escaped). */
    public static String label(String value) {
        return value.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
    }

    private static String braces(String labels) {
        return labels.isEmpty() ? "" : "{" + labels + "}";
    }
}
