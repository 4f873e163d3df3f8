package io.matchstream.bench;

import io.matchstream.embedded.Checkpoints;
import io.matchstream.embedded.EmbeddedFlinkCluster;
import io.matchstream.embedded.EmbeddedKafkaBroker;
import io.matchstream.events.PreferenceUpdate;
import io.matchstream.events.ProfileEmbedding;
import io.matchstream.events.Swipe;
import io.matchstream.events.SwipeAction;
import io.matchstream.preference.PreferenceConfig;
import io.matchstream.preference.PreferenceJob;
import io.matchstream.registry.RegistryConfig;
import io.matchstream.registry.SchemaRegistryServer;
import io.matchstream.schemas.Topics;
import io.matchstream.schemas.wire.SchemaRegistryClient;
import io.matchstream.schemas.wire.WireFormat;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.flink.core.execution.JobClient;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * {@code ./matchstream bench preference}: the preference job with each state backend, on a fresh embedded
 * stack each. Every user's 512-d embedding is loaded first (and checkpointed); then (1) a backlog of swipes
 * is read as fast as the job can: swipes/s from the first to the last update read back; (2) swipes arrive at a
 * fixed rate: swipe-to-update latency = when the update is readable minus the swipe's timestamp.
 */
final class PreferenceBench {
    private static final int DIM = 512;

    private PreferenceBench() {}

    /** {@code jobFlags}: preference job flags for every run (the embedded stack's addresses are set by the benchmark). */
    record Options(int users, int warmupSwipes, int swipes, int rate, int latencySeconds, int warmupSeconds, List<String> backends,
            Map<String, String> jobFlags) {}

    private record Result(String backend, double swipesPerSecond, long peakHeap, double[] latencyMs, long samples, long sent,
            CpuSampler.Usage backlogCpu, long backlogSwipes, CpuSampler.Usage steadyCpu) {}

    private static final String BROKER = "broker (in this JVM)";
    private static final String CLIENTS = "benchmark's producer and update reader";

    static final CpuSampler.Group CHECKPOINT_THREADS = new CpuSampler.Group("checkpoints (async snapshot, upload)",
            n -> n.startsWith("AsyncOperations") || n.startsWith("Flink-RocksDB") || n.startsWith("flink-operator-serialization")
                    || n.startsWith("Changelog"));
    static final CpuSampler.Group BROKER_THREADS = new CpuSampler.Group(BROKER, n -> n.startsWith("data-plane-kafka")
            || n.startsWith("kafka-") && !n.startsWith("kafka-producer") || n.startsWith("broker-") || n.startsWith("controller-")
            || n.startsWith("log-") || n.startsWith("ExpirationReaper"));

    /** Where the CPU goes, by thread: the job's tasks (each chain one thread per subtask), the broker, this benchmark. */
    private static final List<CpuSampler.Group> GROUPS = List.of(
            new CpuSampler.Group("source, decode (Kafka fetch included)", n -> n.startsWith("Source")),
            new CpuSampler.Group("keyBy(target): target embeddings", n -> n.startsWith("target embeddings")),
            new CpuSampler.Group("keyBy(swiper): preferences, encode updates", n -> n.startsWith("preferences")),
            new CpuSampler.Group("update sink (send)", n -> n.startsWith("preference updates")),
            new CpuSampler.Group("keyBy(pair): mutual likes + exactly-once sink", n -> n.startsWith("mutual likes") || n.startsWith("matches,")),
            new CpuSampler.Group("job's Kafka producer I/O threads", n -> n.startsWith("kafka-producer-network-thread | producer-matchstream")),
            CHECKPOINT_THREADS,
            BROKER_THREADS,
            new CpuSampler.Group(CLIENTS, n -> n.equals("update-watcher") || n.startsWith("kafka-producer-network-thread | producer-")
                    || n.equals("main") || n.equals("cpu-sampler") || n.equals("heap-sampler")));

    static void run(Options options, PrintStream out) throws Exception {
        if (!options.jobFlags().isEmpty()) {
            out.println("job flags: " + options.jobFlags());
        }
        out.printf("%,d users with %d-d embeddings; %,d swipes to warm up; %,d swipes backlog; then %,d swipes/s for %d s unmeasured and %d s"
                + " measured; parallelism 2, 1 s checkpoints%n", options.users(), DIM, options.warmupSwipes(), options.swipes(), options.rate(),
                options.warmupSeconds(), options.latencySeconds());
        List<Result> results = new ArrayList<>();
        for (String backend : options.backends()) {
            Result r = runBackend(backend, options, out);
            results.add(r);
        }
        Result baseline = results.get(results.size() - 1);
        out.println();
        out.printf("| state backend | swipes/s (backlog) | vs %s | update latency p50 | p99 | max | updates seen | peak heap |%n", baseline.backend());
        out.println("|---|---:|---:|---:|---:|---:|---:|---:|");
        for (Result r : results) {
            out.printf("| %s | %,.0f | %.2f | %.0f ms | %.0f ms | %.0f ms | %,d of %,d swipes | %,d MiB |%n", r.backend(), r.swipesPerSecond(),
                    r.swipesPerSecond() / baseline.swipesPerSecond(), r.latencyMs()[0], r.latencyMs()[1], r.latencyMs()[2],
                    r.samples(), r.sent(), r.peakHeap() >> 20);
        }
        out.println();
        out.println("CPU by thread group: microseconds per swipe in the backlog, and cores busy at " + String.format("%,d", options.rate()) + " swipes/s");
        StringBuilder header = new StringBuilder("| thread group |");
        StringBuilder rule = new StringBuilder("|---|");
        for (Result r : results) {
            header.append(" ").append(r.backend()).append(" us/swipe | ").append(r.backend()).append(" cores at rate |");
            rule.append("---:|---:|");
        }
        out.println(header);
        out.println(rule);
        for (String label : results.get(0).backlogCpu().cpuSeconds().keySet()) {
            StringBuilder row = new StringBuilder("| " + label + " |");
            for (Result r : results) {
                row.append(String.format(" %.1f | %.2f |", 1e6 * r.backlogCpu().cpuSeconds().get(label) / r.backlogSwipes(),
                        r.steadyCpu().cpuSeconds().get(label) / r.steadyCpu().seconds()));
            }
            out.println(row);
        }
        StringBuilder total = new StringBuilder("| **all** |");
        for (Result r : results) {
            total.append(String.format(" **%.1f** | **%.2f** |", 1e6 * r.backlogCpu().total() / r.backlogSwipes(), r.steadyCpu().total() / r.steadyCpu().seconds()));
        }
        out.println(total);
        // The broker and the load generator share the two cores with the job here; on machines of their own
        // they would not. What the rest costs, and the rate two cores would give it (a projection, not measured).
        out.println();
        for (Result r : results) {
            Map<String, Double> cpu = r.backlogCpu().cpuSeconds();
            double jobMicros = 1e6 * (r.backlogCpu().total() - cpu.get(BROKER) - cpu.get(CLIENTS)) / r.backlogSwipes();
            out.printf("[%s] without the broker and the benchmark's clients: %.1f us CPU a swipe, at most %,.0f swipes/s on 2 cores%n",
                    r.backend(), jobMicros, 2e6 / jobMicros);
        }
    }

    private static Result runBackend(String backend, Options options, PrintStream out) throws Exception {
        Path dir = Files.createTempDirectory("matchstream-bench-preference");
        try {
            return runBackend(backend, options, out, dir);
        } finally {
            deleteRecursively(dir); // a run leaves 3-5 GB of logs, state and checkpoints
        }
    }

    static void deleteRecursively(Path dir) throws java.io.IOException {
        try (var paths = Files.walk(dir)) {
            for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    private static Result runBackend(String backend, Options options, PrintStream out, Path dir) throws Exception {
        try (EmbeddedKafkaBroker broker = new EmbeddedKafkaBroker(dir, 0).start();
                SchemaRegistryServer registry = new SchemaRegistryServer(RegistryConfig.defaults(broker.bootstrapServers()).withPort(0));
                EmbeddedFlinkCluster flink = new EmbeddedFlinkCluster(0, 4, dir.resolve("changelog"));
                Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()))) {
            registry.start();
            flink.start();
            broker.createTopics(Topics.all().stream().map(t -> t.newTopic((short) 1)).toList());
            String bootstrap = broker.bootstrapServers();
            SchemaRegistryClient schemas = new SchemaRegistryClient(registry.url());
            // A backend may carry job flags of its own: rocksdb:rocksdb-compaction=universal;update-compression=none
            String[] spec = backend.split(":", 2);
            Map<String, String> flags = new LinkedHashMap<>(options.jobFlags());
            if (spec.length == 2) {
                for (String flag : spec[1].split(";")) {
                    String[] kv = flag.split("=", 2);
                    flags.put(kv[0], kv[1]);
                }
            }
            flags.putAll(Map.of("bootstrap-servers", bootstrap, "registry-url", registry.url(),
                    "checkpoint-dir", dir.resolve("checkpoints").toUri().toString(), "state-backend", spec[0]));
            PreferenceConfig config = PreferenceConfig.fromFlags(flags, Map.of());
            Random random = new Random(5);

            publishEmbeddings(bootstrap, schemas, options.users(), random);
            JobClient loader = PreferenceJob.onKafka(config).start(flink.clientConfiguration(), null);
            awaitCommitted(admin, config.groupId(), Topics.PROFILE_EMBEDDINGS.name(), options.users());
            loader.cancel().get();
            out.printf("[%s] %,d embeddings in state%n", backend, options.users());

            long past = System.currentTimeMillis() - Duration.ofDays(1).toMillis();
            if (options.warmupSwipes() > 0) {
                // The JIT compiles the swipe path (and the broker's, and Kafka's clients') for minutes: a first
                // backlog through the job, not measured, so that the numbers are of a warm JVM.
                publishSwipes(bootstrap, schemas, options.warmupSwipes(), options.users(), random, past - options.warmupSwipes());
                JobClient warmup = PreferenceJob.onKafka(config).start(flink.clientConfiguration(), latest(dir));
                awaitCommitted(admin, config.groupId(), Topics.SWIPES.name(), options.warmupSwipes());
                warmup.cancel().get();
                out.printf("[%s] %,d swipes to warm up%n", backend, options.warmupSwipes());
            }
            String checkpoint = latest(dir);
            publishSwipes(bootstrap, schemas, options.swipes(), options.users(), random, past);
            try (HeapSampler heap = new HeapSampler(); CpuSampler cpu = new CpuSampler()) {
                double rate;
                JobClient job;
                CpuSampler.Usage backlogCpu;
                try (UpdateWatcher backlog = new UpdateWatcher(bootstrap, schemas, Long.MAX_VALUE)) {
                    job = PreferenceJob.onKafka(config).start(flink.clientConfiguration(), checkpoint);
                    awaitCommitted(admin, config.groupId(), Topics.SWIPES.name(), options.warmupSwipes() + options.swipes());
                    // Committed offsets prove every swipe was read (the source commits them late once the
                    // input is drained); the time between the first and the last update read back is the rate.
                    rate = options.swipes() / ((backlog.lastAt - backlog.firstAt) / 1e9);
                    backlogCpu = cpu.between(backlog.firstAt, backlog.lastAt, GROUPS);
                }
                out.printf("[%s] backlog: %,.0f swipes/s, %.0f us CPU a swipe (%.2f cores)%n", backend, rate,
                        1e6 * backlogCpu.total() / (rate * backlogCpu.seconds()), backlogCpu.total() / backlogCpu.seconds());
                if (options.warmupSeconds() > 0) {
                    // The paced path (small fetches, idle polls, a checkpoint every few hundred swipes) compiles
                    // apart from the backlog's: swipes at the rate first, not measured.
                    latency(bootstrap, schemas, options, random, options.warmupSeconds());
                }
                LatencyRun latency = latency(bootstrap, schemas, options, random, options.latencySeconds());
                out.printf("[%s] at %,d swipes/s: p50 %.0f ms, p90 %.0f ms, p99 %.0f ms, p99.9 %.0f ms (%,d updates), %.2f cores busy%n", backend,
                        options.rate(), latency.percentiles[0], latency.percentiles[3], latency.percentiles[1], latency.percentiles[4], latency.samples,
                        0.0 + cpuOf(cpu, latency));
                printTail(backend, latency, cpu, out);
                job.cancel().get();
                return new Result(backend, rate, heap.peakBytes(), latency.percentiles, latency.samples, latency.sent,
                        backlogCpu, Math.round(rate * backlogCpu.seconds()), cpu.between(latency.from, latency.to, GROUPS));
            }
        }
    }

    /**
     * Where the tail comes from: each second of the measured window (by when the update was read), its
     * updates over 200 ms and its slowest, next to the cores busy in that second by the threads that could
     * hold a swipe up (the preference thread, RocksDB's own threads, checkpoints, GC, JIT).
     */
    private static void printTail(String backend, LatencyRun run, CpuSampler cpu, PrintStream out) {
        List<String> shown = List.of("keyBy(swiper): preferences, encode updates", "RocksDB flush/compaction threads",
                "checkpoints (async snapshot, upload)", "GC", "JIT");
        out.printf("[%s] per second at the rate: | s | updates | over 200 ms | max ms | cores | preference thread | RocksDB threads | checkpoints"
                + " | GC | JIT |%n", backend);
        int seconds = (int) ((run.to() - run.from()) / 1_000_000_000L);
        int[] n = new int[seconds];
        int[] slow = new int[seconds];
        long[] max = new long[seconds];
        for (int j = 0; j < run.arrivals().length; j++) { // one pass, each update into its second
            long offset = run.arrivals()[j] - run.from();
            int i = offset < 0 ? -1 : (int) (offset / 1_000_000_000L);
            if (i >= 0 && i < seconds) {
                n[i]++;
                slow[i] += run.latencies()[j] > 200 ? 1 : 0;
                max[i] = Math.max(max[i], run.latencies()[j]);
            }
        }
        for (int i = 0; i < seconds; i++) {
            long from = run.from() + i * 1_000_000_000L;
            CpuSampler.Usage u = cpu.between(from, from + 1_000_000_000L, GROUPS);
            StringBuilder row = new StringBuilder(String.format("[%s] | %d | %d | %d | %d | %.2f |", backend, i, n[i], slow[i], max[i],
                    u.total() / u.seconds()));
            shown.forEach(g -> row.append(String.format(" %.2f |", u.cpuSeconds().get(g) / u.seconds())));
            out.println(row);
        }
    }

    private static String latest(Path dir) {
        return Checkpoints.latest(dir.resolve("checkpoints").resolve(PreferenceConfig.JOB_NAME)).orElseThrow().toString();
    }

    private static void publishSwipes(String bootstrap, SchemaRegistryClient schemas, int swipes, int users, Random random, long from) {
        try (var producer = producer(bootstrap)) {
            var serializer = Topics.SWIPES.valueSerializer(schemas);
            for (int i = 0; i < swipes; i++) {
                Swipe s = swipe(random, users, from + i);
                producer.send(new ProducerRecord<>(Topics.SWIPES.name(), bytes(s.getSwiperId().toString()),
                        serializer.serialize(Topics.SWIPES.name(), s)));
            }
            producer.flush();
        }
    }

    private record LatencyRun(double[] percentiles, long samples, long sent, long from, long to, long[] arrivals, long[] latencies) {}

    private static double cpuOf(CpuSampler cpu, LatencyRun run) {
        CpuSampler.Usage u = cpu.between(run.from, run.to, GROUPS);
        return u.total() / u.seconds();
    }

    /** Swipes at a fixed rate, stamped with their send time; every update read back gives one latency sample. */
    private static LatencyRun latency(String bootstrap, SchemaRegistryClient schemas, Options options, Random random, int seconds)
            throws Exception {
        long sent = 0;
        long from;
        long to;
        List<Long> samples;
        long[] arrivals;
        long[] latencies;
        try (UpdateWatcher watcher = new UpdateWatcher(bootstrap, schemas, System.currentTimeMillis());
                var producer = producer(bootstrap)) {
            var serializer = Topics.SWIPES.valueSerializer(schemas);
            long start = System.nanoTime();
            from = start;
            long total = (long) options.rate() * seconds;
            for (long i = 0; i < total; i++) {
                long due = start + i * 1_000_000_000L / options.rate();
                long wait = due - System.nanoTime();
                if (wait > 0) {
                    Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
                }
                Swipe s = swipe(random, options.users(), System.currentTimeMillis());
                producer.send(new ProducerRecord<>(Topics.SWIPES.name(), bytes(s.getSwiperId().toString()),
                        serializer.serialize(Topics.SWIPES.name(), s)));
                sent++;
            }
            producer.flush();
            to = System.nanoTime();
            Thread.sleep(5_000); // the stragglers
            samples = watcher.latencies;
            synchronized (samples) {
                arrivals = watcher.arrivals.stream().mapToLong(Long::longValue).toArray();
                latencies = samples.stream().mapToLong(Long::longValue).toArray();
            }
        }
        long[] sorted;
        synchronized (samples) {
            sorted = samples.stream().mapToLong(Long::longValue).sorted().toArray();
        }
        return new LatencyRun(new double[] {percentile(sorted, 0.50), percentile(sorted, 0.99), sorted.length == 0 ? Double.NaN : sorted[sorted.length - 1],
                percentile(sorted, 0.90), percentile(sorted, 0.999)},
                sorted.length, sent, from, to, arrivals, latencies);
    }

    /**
     * Reads preference updates from the end of the topic as they arrive: when the first and the last came,
     * and for updates stamped at or after {@code since}, the delay from that stamp (the latest swipe the
     * update includes) to now.
     */
    private static final class UpdateWatcher implements AutoCloseable {
        final List<Long> latencies = new ArrayList<>();
        /** System.nanoTime() when each of {@link #latencies} was read. */
        final List<Long> arrivals = new ArrayList<>();
        volatile long firstAt;
        volatile long lastAt;
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final Thread thread;

        UpdateWatcher(String bootstrap, SchemaRegistryClient schemas, long since) throws InterruptedException {
            var updates = Topics.PREFERENCE_UPDATES.valueDeserializer(schemas);
            Properties props = new Properties();
            props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
            var consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer());
            List<TopicPartition> partitions = consumer.partitionsFor(Topics.PREFERENCE_UPDATES.name()).stream()
                    .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToEnd(partitions);
            partitions.forEach(consumer::position);
            thread = new Thread(() -> {
                boolean checked = false;
                try (consumer) {
                    while (running.get()) {
                        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(20))) {
                            long now = System.nanoTime();
                            if (firstAt == 0) {
                                firstAt = now;
                            }
                            lastAt = now;
                            if (r.value() != null && since != Long.MAX_VALUE) {
                                long at = timestampOf(r.value());
                                if (!checked) { // the skipping reader agrees with the registry's decoder
                                    long decoded = updates.deserialize(r.topic(), r.value()).getTimestamp().toEpochMilli();
                                    if (decoded != at) {
                                        throw new IllegalStateException("timestampOf read " + at + ", the decoder " + decoded);
                                    }
                                    checked = true;
                                }
                                if (at >= since) {
                                    synchronized (latencies) {
                                        latencies.add(System.currentTimeMillis() - at);
                                        arrivals.add(now);
                                    }
                                }
                            }
                        }
                    }
                }
            }, "update-watcher");
            thread.start();
        }

        @Override
        public void close() throws InterruptedException {
            running.set(false);
            thread.join();
        }
    }

    /**
     * The timestamp of a {@code PreferenceUpdate} in the registry's wire format, skipping its two vectors
     * instead of decoding 1,024 boxed floats: the reader shares the job's two cores and should cost little.
     */
    static long timestampOf(byte[] value) {
        try {
            BinaryDecoder in = DecoderFactory.get().binaryDecoder(value, WireFormat.HEADER_SIZE, value.length - WireFormat.HEADER_SIZE, null);
            in.skipString(); // userId
            skipFloats(in); // blended
            if (in.readIndex() == 1) {
                skipFloats(in); // preference
            }
            in.readLong(); // likes
            in.readLong(); // passes
            in.skipString(); // modelVersion
            in.readLong(); // version
            return in.readLong();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static void skipFloats(BinaryDecoder in) throws java.io.IOException {
        for (long n = in.readArrayStart(); n != 0; n = in.arrayNext()) {
            in.skipFixed((int) (4 * n));
        }
    }

    private static double percentile(long[] sorted, double q) {
        return sorted.length == 0 ? Double.NaN : sorted[Math.min(sorted.length - 1, (int) Math.ceil(q * sorted.length) - 1)];
    }

    /** Waits until the group's committed offsets cover {@code records} of the topic. */
    static void awaitCommitted(Admin admin, String group, String topic, long records) throws Exception {
        long last = -1;
        long deadline = System.nanoTime() + Duration.ofMinutes(20).toNanos();
        while (System.nanoTime() < deadline) {
            long committed = 0;
            Map<TopicPartition, OffsetAndMetadata> offsets = admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get();
            for (var e : offsets.entrySet()) {
                if (e.getKey().topic().equals(topic) && e.getValue() != null) {
                    committed += e.getValue().offset();
                }
            }
            last = committed;
            if (committed >= records) {
                return;
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException("the job did not commit " + records + " offsets of " + topic + " in 20 minutes (at " + last + ")");
    }

    private static Swipe swipe(Random random, int users, long at) {
        int from = random.nextInt(users);
        int to = random.nextInt(users - 1);
        to = to >= from ? to + 1 : to;
        int r = random.nextInt(100);
        SwipeAction action = r < 45 ? SwipeAction.LIKE : r < 50 ? SwipeAction.SUPERLIKE : SwipeAction.PASS;
        return new Swipe(Long.toHexString(random.nextLong()), "u" + from, "u" + to, action, Instant.ofEpochMilli(at));
    }

    private static void publishEmbeddings(String bootstrap, SchemaRegistryClient schemas, int users, Random random) {
        var serializer = Topics.PROFILE_EMBEDDINGS.valueSerializer(schemas);
        try (var producer = producer(bootstrap)) {
            for (int u = 0; u < users; u++) {
                List<Float> vector = new ArrayList<>(DIM);
                double norm = 0;
                float[] v = new float[DIM];
                for (int d = 0; d < DIM; d++) {
                    v[d] = (float) random.nextGaussian();
                    norm += v[d] * v[d];
                }
                for (float x : v) {
                    vector.add((float) (x / Math.sqrt(norm)));
                }
                String user = "u" + u;
                producer.send(new ProducerRecord<>(Topics.PROFILE_EMBEDDINGS.name(), bytes(user), serializer.serialize(Topics.PROFILE_EMBEDDINGS.name(),
                        new ProfileEmbedding(user, vector, "bench", "bench", null, false, "p" + u, Instant.now()))));
            }
            producer.flush();
        }
    }

    static KafkaProducer<byte[], byte[]> producer(String bootstrap) {
        return new KafkaProducer<>(producerProperties(bootstrap, "lz4"), new ByteArraySerializer(), new ByteArraySerializer());
    }

    /** The benchmarks' producers: batches of up to 256 KiB sent within 5 ms. */
    static Properties producerProperties(String bootstrap, String compression) {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ProducerConfig.LINGER_MS_CONFIG, "5");
        props.put(ProducerConfig.BATCH_SIZE_CONFIG, Integer.toString(256 * 1024));
        props.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, compression);
        return props;
    }

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
