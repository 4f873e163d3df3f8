package io.matchstream.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * Samples this process's CPU time every 200 ms, per thread, so that a phase's CPU can be split by the
 * threads that spent it (one Flink task, the broker, the benchmark's own clients). What no Java thread
 * accounts for (GC, JIT, RocksDB's native flush and compaction threads) is reported as one more group.
 */
final class CpuSampler implements AutoCloseable {
    /** A group of threads, by name. */
    record Group(String label, Predicate<String> threads) {}

    private record Sample(long at, long processCpu, Map<Long, Long> threadCpu, Map<Long, String> names) {}

    private final com.sun.management.ThreadMXBean threadBean =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    private final com.sun.management.OperatingSystemMXBean os =
            (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    private final List<Sample> samples = new ArrayList<>();
    private final Map<Long, String> names = new HashMap<>();
    private final Thread thread;
    private volatile boolean running = true;

    CpuSampler() {
        thread = new Thread(() -> {
            while (running) {
                sample();
                try {
                    Thread.sleep(200);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "cpu-sampler");
        thread.setDaemon(true);
        thread.start();
    }

    private void sample() {
        long[] ids = threadBean.getAllThreadIds();
        long[] cpu = threadBean.getThreadCpuTime(ids);
        Map<Long, Long> byThread = new HashMap<>();
        List<Long> unnamed = new ArrayList<>();
        for (int i = 0; i < ids.length; i++) {
            if (cpu[i] >= 0) {
                byThread.put(ids[i], cpu[i]);
                if (!names.containsKey(ids[i])) {
                    unnamed.add(ids[i]);
                }
            }
        }
        if (!unnamed.isEmpty()) {
            for (ThreadInfo info : threadBean.getThreadInfo(unnamed.stream().mapToLong(Long::longValue).toArray())) {
                if (info != null) {
                    names.put(info.getThreadId(), info.getThreadName());
                }
            }
        }
        Sample s = new Sample(System.nanoTime(), os.getProcessCpuTime(), byThread, Map.copyOf(names));
        synchronized (samples) {
            samples.add(s);
        }
    }

    /** A phase's CPU: wall time, and CPU seconds per group (plus "other Java threads" and "not a Java thread"). */
    record Usage(double seconds, Map<String, Double> cpuSeconds) {
        double total() {
            return cpuSeconds.values().stream().mapToDouble(Double::doubleValue).sum();
        }
    }

    /** CPU between the last sample at or before {@code from} and the first at or after {@code to} (System.nanoTime()). */
    Usage between(long from, long to, List<Group> groups) {
        Sample a = null;
        Sample b = null;
        synchronized (samples) {
            for (Sample s : samples) {
                if (s.at <= from) {
                    a = s;
                }
                if (s.at >= to && b == null) {
                    b = s;
                }
            }
        }
        if (a == null || b == null) {
            throw new IllegalStateException("no CPU samples around the phase");
        }
        Map<String, Double> usage = new LinkedHashMap<>();
        groups.forEach(g -> usage.put(g.label(), 0.0));
        usage.put("other Java threads", 0.0);
        double javaThreads = 0;
        for (var e : b.threadCpu.entrySet()) {
            long before = a.threadCpu.getOrDefault(e.getKey(), 0L);
            double seconds = (e.getValue() - before) / 1e9;
            javaThreads += seconds;
            String name = b.names.getOrDefault(e.getKey(), "?");
            String label = groups.stream().filter(g -> g.threads().test(name)).map(Group::label).findFirst().orElse("other Java threads");
            usage.merge(label, seconds, Double::sum);
        }
        usage.put("not a Java thread (GC, JIT, RocksDB flush/compaction)", Math.max(0, (b.processCpu - a.processCpu) / 1e9 - javaThreads));
        return new Usage((b.at - a.at) / 1e9, usage);
    }

    @Override
    public void close() {
        running = false;
        thread.interrupt();
    }
}
