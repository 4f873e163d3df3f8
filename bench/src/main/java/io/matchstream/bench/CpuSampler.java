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
 * accounts for is split by the native threads' names (RocksDB's flush and compaction threads, GC, JIT).
 */
final class CpuSampler implements AutoCloseable {
    /** A group of threads, by name. */
    record Group(String label, Predicate<String> threads) {}

    private record Sample(long at, long processCpu, Map<Long, Long> threadCpu, Map<Long, String> names, Map<String, Long> nativeCpu) {}

    /** Threads that are not Java threads, by the name the JVM or RocksDB gives them (Linux only). */
    private static final Map<String, String> NATIVE = new LinkedHashMap<>();

    static {
        NATIVE.put("rocksdb:", "RocksDB flush/compaction threads");
        NATIVE.put("GC Thread", "GC");
        NATIVE.put("G1 ", "GC");
        NATIVE.put("C1 CompilerThre", "JIT");
        NATIVE.put("C2 CompilerThre", "JIT");
    }

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
        Sample s = new Sample(System.nanoTime(), os.getProcessCpuTime(), byThread, Map.copyOf(names), nativeCpu());
        synchronized (samples) {
            samples.add(s);
        }
    }

    /** CPU nanoseconds of this process's native threads by {@link #NATIVE} group, from /proc (empty elsewhere). */
    static Map<String, Long> nativeCpu() {
        Map<String, Long> cpu = new HashMap<>();
        java.io.File[] tasks = new java.io.File("/proc/self/task").listFiles();
        if (tasks == null) {
            return cpu;
        }
        long nanosPerTick = 10_000_000L; // USER_HZ is 100 on Linux
        for (java.io.File task : tasks) {
            try {
                String stat = java.nio.file.Files.readString(task.toPath().resolve("stat"));
                String comm = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
                String group = NATIVE.entrySet().stream().filter(e -> comm.startsWith(e.getKey())).map(Map.Entry::getValue).findFirst().orElse(null);
                if (group != null) {
                    String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                    long ticks = Long.parseLong(fields[11]) + Long.parseLong(fields[12]); // utime, stime
                    cpu.merge(group, ticks * nanosPerTick, Long::sum);
                }
            } catch (java.io.IOException | RuntimeException e) {
                // the thread ended
            }
        }
        return cpu;
    }

    /** A phase's CPU: wall time, and CPU seconds per group (plus other Java threads and the native threads' groups). */
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
        double nativeThreads = 0;
        for (String group : new java.util.LinkedHashSet<>(NATIVE.values())) {
            double seconds = (b.nativeCpu.getOrDefault(group, 0L) - a.nativeCpu.getOrDefault(group, 0L)) / 1e9;
            usage.put(group, Math.max(0, seconds));
            nativeThreads += Math.max(0, seconds);
        }
        usage.put("other native threads", Math.max(0, (b.processCpu - a.processCpu) / 1e9 - javaThreads - nativeThreads));
        return new Usage((b.at - a.at) / 1e9, usage);
    }

    @Override
    public void close() {
        running = false;
        thread.interrupt();
    }
}
