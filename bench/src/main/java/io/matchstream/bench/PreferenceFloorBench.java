package io.matchstream.bench;

import io.matchstream.embedded.Checkpoints;
import io.matchstream.embedded.EmbeddedFlinkCluster;
import io.matchstream.embedded.EmbeddedKafkaBroker;
import io.matchstream.schemas.Topics;
import io.matchstream.schemas.flink.JobEnvironment;
import io.matchstream.schemas.flink.KafkaIo;
import io.matchstream.schemas.flink.Outgoing;
import io.matchstream.schemas.flink.RawEvent;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.java.tuple.Tuple2;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.state.rocksdb.RocksDBConfigurableOptions;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;
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
import org.rocksdb.CompressionType;

/**
 * {@code ./matchstream bench preference --floor kafka,flink,flink-at-least-once}: the least work a swipe
 * costs on the preference job's stack, to tell whether a swipe rate is reachable at all on this machine.
 * Each floor runs on a fresh embedded broker (and MiniCluster) in this JVM, as {@code bench preference} does,
 * and reads the same kind of backlog: swipes/s from the first to the last update read back (read_committed).
 * <ul>
 * <li>{@code kafka}: no job. Two relay threads (one per core, as the job's parallelism) each read swipes
 * read_committed and write one 4 KiB record per swipe in a Kafka transaction committed each second with the
 * consumed offsets; the benchmark's reader reads the records back. The broker and the clients alone.</li>
 * <li>{@code flink}: the job's semantics and nothing else. Kafka source of swipes -> keyBy(target): read the
 * target's 2 KiB vector from ValueState -> keyBy(swiper): get and put the swiper's 2 KiB vector (a weighted
 * sum with the target's) -> one 4 KiB record (two vectors) through the exactly-once KafkaSink; parallelism 2,
 * RocksDB with incremental checkpoints each second, every user's two vectors in state first.</li>
 * <li>{@code flink-at-least-once}: the same with the at-least-once sink, as the job sends its preference
 * updates by default (the exactly-once sink carries its matches).</li>
 * </ul>
 */
final class PreferenceFloorBench {
    private static final int DIM = 512;
    private static final int VECTOR_BYTES = 4 * DIM;
    /** About a {@code Swipe} in the registry's wire format (ids, action, time), and a {@code PreferenceUpdate}. */
    private static final int SWIPE_BYTES = 45;
    private static final int UPDATE_BYTES = 2 * VECTOR_BYTES + 40;
    private static final String GROUP = "matchstream-floor";
    private static final String JOB_NAME = "matchstream-preference-floor";
    private static final String SWIPES = Topics.SWIPES.name();
    private static final String UPDATES = Topics.PREFERENCE_UPDATES.name();

    private PreferenceFloorBench() {}

    record Options(int users, int warmupSwipes, int swipes, List<String> floors) {}

    private record Result(String floor, double swipesPerSecond, long swipes, CpuSampler.Usage cpu) {}

    private static final List<CpuSampler.Group> GROUPS = List.of(
            new CpuSampler.Group("source, parse (Kafka fetch included)", n -> n.startsWith("Source")),
            new CpuSampler.Group("keyBy(target): read a 2 KiB vector", n -> n.startsWith("target vectors")),
            new CpuSampler.Group("keyBy(swiper): get+put a 2 KiB vector, 4 KiB record, sink", n -> n.startsWith("swiper vectors")),
            new CpuSampler.Group("relays: read a swipe, write 4 KiB in a transaction", n -> n.startsWith("relay-")),
            new CpuSampler.Group("producer I/O threads (the sink's or the relays')", n -> n.startsWith("kafka-producer-network-thread")),
            PreferenceBench.CHECKPOINT_THREADS,
            PreferenceBench.BROKER_THREADS,
            new CpuSampler.Group("benchmark's update reader", n -> n.equals("update-watcher") || n.equals("main") || n.equals("cpu-sampler")));

    static void run(Options options, PrintStream out) throws Exception {
        out.printf("floor: %,d users, %d-d vectors; %,d swipes to warm up; %,d swipes backlog; one %,d-byte record out per %d-byte swipe%n",
                options.users(), DIM, options.warmupSwipes(), options.swipes(), UPDATE_BYTES, SWIPE_BYTES);
        List<Result> results = new ArrayList<>();
        for (String floor : options.floors()) {
            if (!List.of("kafka", "flink", "flink-at-least-once").contains(floor)) {
                throw new IllegalArgumentException("--floor takes kafka, flink, flink-at-least-once, not " + floor);
            }
            Path dir = Files.createTempDirectory("matchstream-bench-floor");
            try {
                Result r = floor.equals("kafka") ? kafka(options, dir, out) : flink(floor, options, dir, out);
                results.add(r);
                out.printf("[%s] %,.0f swipes/s, %.1f us CPU a swipe (%.2f cores)%n", floor, r.swipesPerSecond(),
                        1e6 * r.cpu().total() / r.swipes(), r.cpu().total() / r.cpu().seconds());
            } finally {
                PreferenceBench.deleteRecursively(dir);
            }
        }
        out.println();
        StringBuilder header = new StringBuilder("| thread group, us CPU a swipe |");
        StringBuilder rule = new StringBuilder("|---|");
        for (Result r : results) {
            header.append(' ').append(r.floor()).append(" |");
            rule.append("---:|");
        }
        out.println(header);
        out.println(rule);
        StringBuilder rate = new StringBuilder("| **swipes/s (backlog)** |");
        results.forEach(r -> rate.append(String.format(" **%,.0f** |", r.swipesPerSecond())));
        out.println(rate);
        for (String label : results.get(0).cpu().cpuSeconds().keySet()) {
            StringBuilder row = new StringBuilder("| " + label + " |");
            results.forEach(r -> row.append(String.format(" %.1f |", 1e6 * r.cpu().cpuSeconds().get(label) / r.swipes())));
            out.println(row);
        }
        StringBuilder total = new StringBuilder("| **all** |");
        results.forEach(r -> total.append(String.format(" **%.1f** |", 1e6 * r.cpu().total() / r.swipes())));
        out.println(total);
        StringBuilder cores = new StringBuilder("| cores busy |");
        results.forEach(r -> cores.append(String.format(" %.2f |", r.cpu().total() / r.cpu().seconds())));
        out.println(cores);
    }

    /** Floor (a): the broker, two transactional relays and the reader. */
    private static Result kafka(Options options, Path dir, PrintStream out) throws Exception {
        try (EmbeddedKafkaBroker broker = new EmbeddedKafkaBroker(dir, 0).start()) {
            broker.createTopics(Topics.all().stream().map(t -> t.newTopic((short) 1)).toList());
            String bootstrap = broker.bootstrapServers();
            Random random = new Random(5);
            if (options.warmupSwipes() > 0) {
                publishSwipes(bootstrap, options.warmupSwipes(), options.users(), random);
                try (UpdateReader warmup = new UpdateReader(bootstrap, options.warmupSwipes()); Relays relays = new Relays(bootstrap)) {
                    warmup.await();
                }
                out.printf("[kafka] %,d swipes to warm up%n", options.warmupSwipes());
            }
            publishSwipes(bootstrap, options.swipes(), options.users(), random);
            try (CpuSampler cpu = new CpuSampler(); UpdateReader backlog = new UpdateReader(bootstrap, options.swipes());
                    Relays relays = new Relays(bootstrap)) {
                backlog.await();
                return backlog.result("kafka", cpu);
            }
        }
    }

    /** Floor (b): the minimal job, loaded with every user's vectors, warmed up, then over the backlog. */
    private static Result flink(String floor, Options options, Path dir, PrintStream out) throws Exception {
        try (EmbeddedKafkaBroker broker = new EmbeddedKafkaBroker(dir, 0).start();
                EmbeddedFlinkCluster flink = new EmbeddedFlinkCluster(0, 4).start();
                var admin = org.apache.kafka.clients.admin.Admin.create(broker.adminConfig())) {
            broker.createTopics(Topics.all().stream().map(t -> t.newTopic((short) 1)).toList());
            String bootstrap = broker.bootstrapServers();
            boolean exactlyOnce = floor.equals("flink");
            Random random = new Random(5);
            publish(bootstrap, options.users(), PreferenceFloorBench::load);
            long read = options.users();
            run(bootstrap, exactlyOnce, flink, dir, null, admin, read);
            out.printf("[%s] %,d users' vectors in state%n", floor, options.users());
            if (options.warmupSwipes() > 0) {
                publishSwipes(bootstrap, options.warmupSwipes(), options.users(), random);
                read += options.warmupSwipes();
                run(bootstrap, exactlyOnce, flink, dir, latest(dir), admin, read);
                out.printf("[%s] %,d swipes to warm up%n", floor, options.warmupSwipes());
            }
            publishSwipes(bootstrap, options.swipes(), options.users(), random);
            try (CpuSampler cpu = new CpuSampler(); UpdateReader backlog = new UpdateReader(bootstrap, options.swipes())) {
                JobClient job = start(bootstrap, exactlyOnce, flink.clientConfiguration(), dir, latest(dir));
                backlog.await();
                PreferenceBench.awaitCommitted(admin, GROUP, SWIPES, read + options.swipes());
                job.cancel().get();
                return backlog.result(floor, cpu);
            }
        }
    }

    /** Runs the job until it has committed {@code records} swipe offsets, then cancels it (its checkpoint is kept). */
    private static void run(String bootstrap, boolean exactlyOnce, EmbeddedFlinkCluster flink, Path dir, String restore,
            org.apache.kafka.clients.admin.Admin admin, long records) throws Exception {
        JobClient job = start(bootstrap, exactlyOnce, flink.clientConfiguration(), dir, restore);
        PreferenceBench.awaitCommitted(admin, GROUP, SWIPES, records);
        job.cancel().get();
    }

    private static String latest(Path dir) {
        return Checkpoints.latest(dir.resolve("checkpoints").resolve(JOB_NAME)).orElseThrow().toString();
    }

    private static JobClient start(String bootstrap, boolean exactlyOnce, Configuration client, Path dir, String restore) throws Exception {
        // The preference job's settings: 1 s checkpoints, RocksDB incremental, uncompressed, 10 ms buffer timeout.
        Configuration conf = JobEnvironment.configuration(new JobEnvironment.Settings(JOB_NAME, 2, Duration.ofSeconds(1),
                dir.resolve("checkpoints").toUri().toString(), "rocksdb"), restore, client);
        conf.set(RocksDBConfigurableOptions.COMPRESSION_PER_LEVEL, List.of(CompressionType.NO_COMPRESSION));
        StreamExecutionEnvironment env = new StreamExecutionEnvironment(conf);
        env.setBufferTimeout(10);
        Sink<Outgoing> sink = exactlyOnce ? KafkaIo.exactlyOnceSink(bootstrap, GROUP, Duration.ofMinutes(10), "none")
                : KafkaIo.atLeastOnceSink(bootstrap, "none");
        TypeInformation<Tuple2<Integer, byte[]>> vectorOf = Types.TUPLE(Types.INT, PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO);
        env.fromSource(KafkaIo.rawSource(bootstrap, GROUP, List.of(SWIPES)), WatermarkStrategy.noWatermarks(), "swipes").uid("swipes")
                .map(PreferenceFloorBench::parse, Types.LONG).name("parse").uid("parse")
                .keyBy(s -> (int) (long) s, Types.INT)
                .process(new TargetVectors(), vectorOf).name("target vectors").uid("target")
                .keyBy(v -> v.f0 < 0 ? -v.f0 - 1 : v.f0, Types.INT)
                .process(new SwiperVectors(), TypeInformation.of(Outgoing.class)).name("swiper vectors").uid("swiper")
                .sinkTo(sink).name("updates").uid("sink");
        return env.executeAsync(JOB_NAME);
    }

    /** A swipe as (swiper << 32 | target); a swiper of -1 loads the target's vector. */
    private static long parse(RawEvent e) {
        ByteBuffer b = ByteBuffer.wrap(e.value);
        return (long) b.getInt(0) << 32 | (b.getInt(4) & 0xffffffffL);
    }

    /** keyBy(target): the target's vector onto each swipe, keyed on to its swiper; a load stores it and sends it on. */
    static final class TargetVectors extends KeyedProcessFunction<Integer, Long, Tuple2<Integer, byte[]>> {
        private transient ValueState<byte[]> vector;

        @Override
        public void open(OpenContext context) {
            vector = getRuntimeContext().getState(new ValueStateDescriptor<>("vector", PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO));
        }

        @Override
        public void processElement(Long swipe, Context ctx, Collector<Tuple2<Integer, byte[]>> out) throws Exception {
            int swiper = (int) (swipe >> 32);
            int target = (int) (long) swipe;
            if (swiper == -1) {
                byte[] v = randomVector(target);
                vector.update(v);
                out.collect(Tuple2.of(-target - 1, v)); // the same user's own vector, for the next stage's state
                return;
            }
            byte[] v = vector.value();
            if (v == null) {
                throw new IllegalStateException("no vector for user " + target);
            }
            out.collect(Tuple2.of(swiper, v));
        }
    }

    /** keyBy(swiper): moves the swiper's vector toward the target's and sends both vectors (4 KiB). */
    static final class SwiperVectors extends KeyedProcessFunction<Integer, Tuple2<Integer, byte[]>, Outgoing> {
        private transient ValueState<byte[]> vector;

        @Override
        public void open(OpenContext context) {
            vector = getRuntimeContext().getState(new ValueStateDescriptor<>("vector", PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO));
        }

        @Override
        public void processElement(Tuple2<Integer, byte[]> in, Context ctx, Collector<Outgoing> out) throws Exception {
            if (in.f0 < 0) {
                vector.update(in.f1);
                return;
            }
            byte[] old = vector.value();
            if (old == null) {
                throw new IllegalStateException("no vector for user " + in.f0);
            }
            FloatBuffer mine = ByteBuffer.wrap(old).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
            FloatBuffer target = ByteBuffer.wrap(in.f1).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
            byte[] moved = new byte[VECTOR_BYTES];
            byte[] record = new byte[UPDATE_BYTES];
            FloatBuffer next = ByteBuffer.wrap(moved).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
            FloatBuffer blended = ByteBuffer.wrap(record, 40, VECTOR_BYTES).order(ByteOrder.LITTLE_ENDIAN).slice().order(ByteOrder.LITTLE_ENDIAN)
                    .asFloatBuffer();
            for (int i = 0; i < DIM; i++) {
                float v = 0.9f * mine.get(i) + 0.1f * target.get(i);
                next.put(i, v);
                blended.put(i, 0.6f * target.get(i) + 0.4f * v);
            }
            vector.update(moved);
            System.arraycopy(moved, 0, record, 40 + VECTOR_BYTES, VECTOR_BYTES);
            ByteBuffer.wrap(record).putInt(0, in.f0).putLong(4, ctx.timestamp() == null ? 0 : ctx.timestamp());
            out.collect(new Outgoing(UPDATES, PreferenceBench.bytes("u" + in.f0), record));
        }
    }

    private static byte[] randomVector(int user) {
        Random random = new Random(user);
        ByteBuffer b = ByteBuffer.allocate(VECTOR_BYTES).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < DIM; i++) {
            b.putFloat((float) random.nextGaussian() / 22.6f);
        }
        return b.array();
    }

    private static byte[] load(int user) {
        return ByteBuffer.allocate(SWIPE_BYTES).putInt(-1).putInt(user).array();
    }

    private static void publishSwipes(String bootstrap, int swipes, int users, Random random) {
        publish(bootstrap, swipes, i -> {
            int from = random.nextInt(users);
            int to = random.nextInt(users - 1);
            byte[] value = new byte[SWIPE_BYTES];
            random.nextBytes(value); // swipe id and the rest
            ByteBuffer.wrap(value).putInt(0, from).putInt(4, to >= from ? to + 1 : to);
            return value;
        });
    }

    private static void publish(String bootstrap, int records, java.util.function.IntFunction<byte[]> record) {
        try (var producer = PreferenceBench.producer(bootstrap)) {
            for (int i = 0; i < records; i++) {
                byte[] value = record.apply(i);
                int swiper = ByteBuffer.wrap(value).getInt(0);
                int user = swiper == -1 ? ByteBuffer.wrap(value).getInt(4) : swiper; // swipes by swiper, loads by user
                producer.send(new ProducerRecord<>(SWIPES, PreferenceBench.bytes("u" + user), value));
            }
            producer.flush();
        }
    }

    /**
     * Floor (a)'s stand-in for the job: per core, a read_committed consumer and a transactional producer that
     * writes one 4 KiB record per swipe and commits each second with the consumed offsets, as the
     * exactly-once sink does at each checkpoint.
     */
    private static final class Relays implements AutoCloseable {
        private final List<Thread> threads = new ArrayList<>();
        private volatile boolean running = true;

        Relays(String bootstrap) {
            for (int i = 0; i < 2; i++) {
                int index = i;
                Thread t = new Thread(() -> relay(bootstrap, index), "relay-" + i);
                t.start();
                threads.add(t);
            }
        }

        private void relay(String bootstrap, int index) {
            Properties c = new Properties();
            c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
            c.put(ConsumerConfig.GROUP_ID_CONFIG, GROUP);
            c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
            c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
            c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
            Properties p = PreferenceBench.producerProperties(bootstrap, "none"); // as the job's update sink
            p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "floor-relay-" + index);
            try (var consumer = new KafkaConsumer<>(c, new ByteArrayDeserializer(), new ByteArrayDeserializer());
                    var producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer())) {
                // Partitions 0, 2 to relay 0 and 1, 3 to relay 1, as the source splits them between two readers.
                List<TopicPartition> mine = new ArrayList<>();
                for (var info : consumer.partitionsFor(SWIPES)) {
                    if (info.partition() % 2 == index) {
                        mine.add(new TopicPartition(SWIPES, info.partition()));
                    }
                }
                consumer.assign(mine);
                producer.initTransactions();
                producer.beginTransaction();
                Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
                long committed = System.nanoTime();
                while (running) {
                    for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(20))) {
                        byte[] update = new byte[UPDATE_BYTES];
                        System.arraycopy(r.value(), 0, update, 0, 8);
                        producer.send(new ProducerRecord<>(UPDATES, r.key(), update));
                        offsets.put(new TopicPartition(r.topic(), r.partition()), new OffsetAndMetadata(r.offset() + 1));
                    }
                    if (System.nanoTime() - committed >= 1_000_000_000L) {
                        if (!offsets.isEmpty()) {
                            producer.sendOffsetsToTransaction(offsets, consumer.groupMetadata());
                            offsets.clear();
                        }
                        producer.commitTransaction();
                        producer.beginTransaction();
                        committed = System.nanoTime();
                    }
                }
                producer.abortTransaction();
            }
        }

        @Override
        public void close() throws InterruptedException {
            running = false;
            for (Thread t : threads) {
                t.join();
            }
        }
    }

    /** Reads the update topic read_committed from its end, noting when each of {@code expected} records arrived. */
    private static final class UpdateReader implements AutoCloseable {
        private final long[] arrivals;
        private volatile int count;
        private volatile boolean running = true;
        private final Thread thread;

        UpdateReader(String bootstrap, int expected) {
            arrivals = new long[expected];
            Properties props = new Properties();
            props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
            props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
            var consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer());
            List<TopicPartition> partitions = consumer.partitionsFor(UPDATES).stream().map(p -> new TopicPartition(UPDATES, p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToEnd(partitions);
            partitions.forEach(consumer::position);
            thread = new Thread(() -> {
                try (consumer) {
                    while (running && count < arrivals.length) {
                        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(20))) {
                            if (count < arrivals.length) {
                                arrivals[count] = System.nanoTime();
                                count = count + 1;
                            }
                        }
                    }
                }
            }, "update-watcher");
            thread.start();
        }

        void await() throws InterruptedException {
            long deadline = System.nanoTime() + Duration.ofMinutes(20).toNanos();
            while (count < arrivals.length) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("read " + count + " of " + arrivals.length + " records in 20 minutes");
                }
                Thread.sleep(50);
            }
        }

        /**
         * The rate between the end of the first and the end of the next-to-last batch that became visible
         * together: a transaction's records appear at once when the checkpoint commits it, so the first batch
         * holds what was done since the job started and the last one waits for a checkpoint after the work.
         */
        Result result(String floor, CpuSampler cpu) {
            int n = arrivals.length;
            int k = 0;
            while (k < n - 1 && arrivals[k + 1] - arrivals[0] < 300_000_000L) {
                k++;
            }
            int m = n - 1;
            while (m > k + 1 && arrivals[n - 1] - arrivals[m] < 300_000_000L) {
                m--;
            }
            long swipes = m - k;
            double seconds = (arrivals[m] - arrivals[k]) / 1e9;
            return new Result(floor, swipes / seconds, swipes, cpu.between(arrivals[k], arrivals[m], GROUPS));
        }

        @Override
        public void close() throws InterruptedException {
            running = false;
            thread.join();
        }
    }
}
