package io.matchstream.bench;

import io.matchstream.embedding.RecentValuesHistogram;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.flink.api.common.JobID;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.metrics.Metric;
import org.apache.flink.metrics.MetricConfig;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.metrics.reporter.MetricReporter;
import org.apache.flink.metrics.reporter.MetricReporterFactory;

/**
 * A Flink metric reporter for a cluster in this JVM ({@link #settings()}): it keeps every
 * {@link RecentValuesHistogram} the cluster's operators register, by job and metric name, so that a benchmark
 * reads the values a window added (one histogram a subtask). Flink finds it through
 * {@code META-INF/services}.
 */
public final class OperatorHistograms implements MetricReporter, MetricReporterFactory {
    private static final Map<String, List<RecentValuesHistogram>> BY_JOB_AND_NAME = new ConcurrentHashMap<>();

    /** The settings that install it in a cluster. */
    static Configuration settings() {
        Configuration conf = new Configuration();
        conf.setString("metrics.reporter.bench.factory.class", OperatorHistograms.class.getName());
        return conf;
    }

    /** A job's subtasks' histograms of that name, as registered so far. */
    static List<RecentValuesHistogram> of(JobID job, String name) {
        return new ArrayList<>(BY_JOB_AND_NAME.getOrDefault(key(job.toHexString(), name), List.of()));
    }

    /** Each histogram's count now, to pass to {@link #since} at the end of a window. */
    static long[] counts(List<RecentValuesHistogram> histograms) {
        return histograms.stream().mapToLong(RecentValuesHistogram::getCount).toArray();
    }

    /** The values the histograms gained since {@code counts}, all subtasks' together. */
    static long[] since(List<RecentValuesHistogram> histograms, long[] counts) {
        List<long[]> parts = new ArrayList<>();
        int total = 0;
        for (int i = 0; i < histograms.size(); i++) {
            long added = histograms.get(i).getCount() - counts[i];
            if (added > histograms.get(i).capacity()) {
                throw new IllegalStateException(added + " values in one window, more than a histogram keeps ("
                        + histograms.get(i).capacity() + "): make the window smaller");
            }
            long[] part = histograms.get(i).lastValues((int) added);
            parts.add(part);
            total += part.length;
        }
        long[] all = new long[total];
        int at = 0;
        for (long[] part : parts) {
            System.arraycopy(part, 0, all, at, part.length);
            at += part.length;
        }
        return all;
    }

    private static String key(String jobId, String name) {
        return jobId + "/" + name;
    }

    @Override
    public MetricReporter createMetricReporter(Properties properties) {
        return new OperatorHistograms();
    }

    @Override
    public void open(MetricConfig config) {}

    @Override
    public void close() {}

    @Override
    public void notifyOfAddedMetric(Metric metric, String name, MetricGroup group) {
        String job = group.getAllVariables().get("<job_id>");
        if (metric instanceof RecentValuesHistogram h && job != null) {
            BY_JOB_AND_NAME.computeIfAbsent(key(job, name), k -> new CopyOnWriteArrayList<>()).add(h);
        }
    }

    @Override
    public void notifyOfRemovedMetric(Metric metric, String name, MetricGroup group) {
        String job = group.getAllVariables().get("<job_id>");
        if (job != null) {
            List<RecentValuesHistogram> list = BY_JOB_AND_NAME.get(key(job, name));
            if (list != null) {
                list.remove(metric);
            }
        }
    }
}
