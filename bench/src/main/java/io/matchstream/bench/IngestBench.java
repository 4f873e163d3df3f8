package io.matchstream.bench;

import io.matchstream.embedded.EmbeddedFlinkCluster;
import io.matchstream.embedded.EmbeddedKafkaBroker;
import io.matchstream.events.RawSwipe;
import io.matchstream.ingest.IngestConfig;
import io.matchstream.ingest.IngestJob;
import io.matchstream.registry.RegistryConfig;
import io.matchstream.registry.SchemaRegistryServer;
import io.matchstream.schemas.Topics;
import io.matchstream.schemas.flink.JobEnvironment;
import io.matchstream.schemas.flink.Outgoing;
import io.matchstream.schemas.wire.AvroSerializer;
import io.matchstream.schemas.wire.SchemaRegistryClient;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Properties;
import java.util.stream.IntStream;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * {@code ./matchstream bench ingest}: the same swipes through (a) a one-thread consume-produce copy loop,
 * (b) a bare exactly-once Flink passthrough and (c) the ingest job, all against one embedded broker in
 * this JVM, with identical checkpointing for (b) and (c).
 */
final class IngestBench {
    private static final String BYTES_TOPIC = "bench.swipe-bytes";
    private static final String COPY_OUT = "bench.copy-out";
    private static final String PASSTHROUGH_OUT = "bench.passthrough-out";
    private static final int PARTITIONS = 4;

    private IngestBench() {}

    /** What to run: record count, the ingest job's state backends, the sink compression. */
    record Options(int records, List<String> backends, String compression) {}

    static void run(Options options, PrintStream out) throws Exception {
        int records = options.records();
        Path dir = Files.createTempDirectory("matchstream-bench-ingest");
        try (EmbeddedKafkaBroker broker = new EmbeddedKafkaBroker(dir, 0).start();
                SchemaRegistryServer registry = new SchemaRegistryServer(RegistryConfig.defaults(broker.bootstrapServers()).withPort(0));
                EmbeddedFlinkCluster flink = new EmbeddedFlinkCluster(0, 4)) {
            registry.start();
            flink.start();
            broker.createTopics(Topics.all().stream().map(t -> t.newTopic((short) 1)).toList());
            broker.createTopics(List.of(new NewTopic(BYTES_TOPIC, PARTITIONS, (short) 1),
                    new NewTopic(COPY_OUT, PARTITIONS, (short) 1), new NewTopic(PASSTHROUGH_OUT, PARTITIONS, (short) 1),
                    new NewTopic("bench.bare-dedup-out", PARTITIONS, (short) 1)));
            String bootstrap = broker.bootstrapServers();
            SchemaRegistryClient client = new SchemaRegistryClient(registry.url());
            double valueBytes = produceSwipes(bootstrap, client, records);
            out.printf("%,d swipes (%.0f-byte values, 1%% duplicates, 1%% invalid) on %d partitions; parallelism 2,"
                    + " 1 s checkpoints, %s compression%n", records, valueBytes, PARTITIONS, options.compression());

            Throughput copy = copyLoop(bootstrap, records, options.compression());
            out.printf("(a) copy loop done: %,.0f records/s%n", copy.perSecond());
            IngestConfig base = IngestConfig.defaults()
                    .withBootstrapServers(bootstrap, registry.url())
                    .with("compression", options.compression())
                    .with("checkpoint-dir", dir.resolve("checkpoints").toUri().toString());
            Throughput passthrough = passthrough(flink, base.with("state-backend", "rocksdb"), records);
            out.printf("(b) passthrough done: %,.0f records/s%n", passthrough.perSecond());
            Throughput bareDedup = bareDedup(flink, base.with("state-backend", "rocksdb"), uniqueRecords(records));
            out.printf("(b') bare dedup job done: %,.0f records/s%n", bareDedup.perSecond());
            java.util.Map<String, Throughput> ingest = new java.util.LinkedHashMap<>();
            for (String backend : options.backends()) {
                Throughput t = ingestJob(flink, base.with("state-backend", backend), "bench-ingest-" + backend,
                        uniqueRecords(records));
                out.printf("(c) ingest job (%s) done: %,.0f records/s%n", backend, t.perSecond());
                ingest.put(backend, t);
            }

            out.println();
            out.println("| run | records/s | vs (b) passthrough | vs (b') bare dedup | vs (a) copy loop | peak heap | checkpoint p99 |");
            out.println("|---|---:|---:|---:|---:|---:|---:|");
            row(out, "(a) kafka-clients copy loop, 1 thread", copy, passthrough, bareDedup, copy);
            row(out, "(b) Flink passthrough, exactly once", passthrough, passthrough, bareDedup, copy);
            row(out, "(b') bare dedup job (keyBy bytes, TTL state, RocksDB)", bareDedup, passthrough, bareDedup, copy);
            for (var e : ingest.entrySet()) {
                row(out, "(c) ingest job, " + e.getKey() + " state", e.getValue(), passthrough, bareDedup, copy);
            }
        } finally {
            PreferenceBench.deleteRecursively(dir); // the broker's logs and Flink's checkpoints
        }
    }

    private static void row(PrintStream out, String name, Throughput t, Throughput b, Throughput dedup, Throughput a) {
        out.printf("| %s | %,.0f | %.2f | %.2f | %.2f | %,d MiB | %s |%n", name, t.perSecond(), t.perSecond() / b.perSecond(),
                t.perSecond() / dedup.perSecond(), t.perSecond() / a.perSecond(), t.peakHeapBytes() >> 20,
                Double.isNaN(t.checkpointP99Ms()) ? "-" : String.format("%.0f ms", t.checkpointP99Ms()));
    }

    /** Writes the swipes to raw.swipes and the same bytes to the plain bench topic; returns the mean value size. */
    private static double produceSwipes(String bootstrap, SchemaRegistryClient registry, int records) throws Exception {
        AvroSerializer<RawSwipe> serializer = Topics.RAW_SWIPES.valueSerializer(registry);
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ProducerConfig.LINGER_MS_CONFIG, "20");
        props.put(ProducerConfig.BATCH_SIZE_CONFIG, Integer.toString(512 * 1024));
        Instant now = Instant.now();
        long bytes = 0;
        byte[] previous = null;
        try (var producer = new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer())) {
            for (int i = 0; i < records; i++) {
                byte[] value;
                if (i % 100 == 50 && previous != null) {
                    value = previous; // 1% duplicates: a producer retry of the previous event
                } else {
                    String swiper = "u" + (i * 7919 % 100_000);
                    String target = i % 100 == 99 ? swiper : "u" + (i * 104_729 % 100_000 + 1);
                    RawSwipe swipe = new RawSwipe(String.format("e%09d", i), swiper, target, i % 3 == 0 ? "pass" : "like", now);
                    value = serializer.serialize(Topics.RAW_SWIPES.name(), swipe); // i % 100 == 99: self-swipe, invalid
                }
                previous = value;
                bytes += value.length;
                byte[] key = ("u" + (i % 100_000)).getBytes(java.nio.charset.StandardCharsets.UTF_8);
                producer.send(new ProducerRecord<>(Topics.RAW_SWIPES.name(), key, value));
                producer.send(new ProducerRecord<>(BYTES_TOPIC, key, value));
            }
            producer.flush();
        }
        return (double) bytes / records;
    }

    private static Throughput copyLoop(String bootstrap, int records, String compression) {
        Properties c = new Properties();
        c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        c.put(ConsumerConfig.GROUP_ID_CONFIG, "bench-copy");
        c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        c.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "5000");
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.LINGER_MS_CONFIG, "5");
        p.put(ProducerConfig.BATCH_SIZE_CONFIG, Integer.toString(256 * 1024));
        p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, compression);
        try (HeapSampler heap = new HeapSampler();
                var consumer = new KafkaConsumer<>(c, new ByteArrayDeserializer(), new ByteArrayDeserializer());
                var producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer())) {
            consumer.subscribe(List.of(BYTES_TOPIC));
            long moved = 0;
            long start = -1;
            while (moved < records) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(100))) {
                    if (start < 0) {
                        start = System.nanoTime();
                    }
                    producer.send(new ProducerRecord<>(COPY_OUT, r.key(), r.value()));
                    moved++;
                }
            }
            producer.flush();
            consumer.commitSync();
            return new Throughput(moved, (System.nanoTime() - start) / 1e9, heap.peakBytes(), Double.NaN);
        }
    }

    private static Throughput passthrough(EmbeddedFlinkCluster flink, IngestConfig config, int records) throws Exception {
        String group = "bench-passthrough";
        KafkaSource<Outgoing> source = KafkaSource.<Outgoing>builder()
                .setBootstrapServers(config.bootstrapServers())
                .setTopics(BYTES_TOPIC)
                .setGroupId(group)
                .setStartingOffsets(OffsetsInitializer.earliest())
                .setDeserializer(new ToTopic(PASSTHROUGH_OUT))
                .build();
        StreamExecutionEnvironment env = new StreamExecutionEnvironment(
                JobEnvironment.configuration(config.jobSettings(), null, flink.clientConfiguration()));
        env.fromSource(source, WatermarkStrategy.noWatermarks(), "bench bytes")
                .sinkTo(IngestJob.kafkaSink(config.with("transactional-id-prefix", "bench-passthrough")));
        try (HeapSampler heap = new HeapSampler()) {
            JobClient job = env.executeAsync("bench-passthrough");
            return finish(flink, job, List.of(PASSTHROUGH_OUT), records, config.bootstrapServers(), heap);
        }
    }

    /**
     * The smallest job with the ingest job's shape: the same swipe bytes keyed by their own bytes (equal for
     * duplicates), a TTL'd seen-flag in keyed state, the same exactly-once sink. No decoding, no validation.
     */
    private static Throughput bareDedup(EmbeddedFlinkCluster flink, IngestConfig config, long expected) throws Exception {
        String out = "bench.bare-dedup-out";
        KafkaSource<Outgoing> source = KafkaSource.<Outgoing>builder()
                .setBootstrapServers(config.bootstrapServers())
                .setTopics(BYTES_TOPIC)
                .setGroupId("bench-bare-dedup")
                .setStartingOffsets(OffsetsInitializer.earliest())
                .setDeserializer(new ToTopic(out))
                .build();
        StreamExecutionEnvironment env = new StreamExecutionEnvironment(
                JobEnvironment.configuration(config.jobSettings(), null, flink.clientConfiguration()));
        env.fromSource(source, WatermarkStrategy.noWatermarks(), "bench bytes")
                .keyBy(o -> new String(o.value, java.nio.charset.StandardCharsets.ISO_8859_1))
                .process(new BareDedup(config.dedupTtl()))
                .sinkTo(IngestJob.kafkaSink(config.with("transactional-id-prefix", "bench-bare-dedup")));
        try (HeapSampler heap = new HeapSampler()) {
            JobClient job = env.executeAsync("bench-bare-dedup");
            return finish(flink, job, List.of(out), expected, config.bootstrapServers(), heap);
        }
    }

    /** A TTL'd seen-flag per key, nothing else. */
    private static final class BareDedup extends org.apache.flink.streaming.api.functions.KeyedProcessFunction<String, Outgoing, Outgoing> {
        private final Duration ttl;
        private transient org.apache.flink.api.common.state.ValueState<Boolean> seen;

        BareDedup(Duration ttl) {
            this.ttl = ttl;
        }

        @Override
        public void open(org.apache.flink.api.common.functions.OpenContext context) {
            var descriptor = new org.apache.flink.api.common.state.ValueStateDescriptor<>("seen",
                    org.apache.flink.api.common.typeinfo.Types.BOOLEAN);
            descriptor.enableTimeToLive(org.apache.flink.api.common.state.StateTtlConfig.newBuilder(ttl).build());
            seen = getRuntimeContext().getState(descriptor);
        }

        @Override
        public void processElement(Outgoing value, Context ctx, Collector<Outgoing> out) throws Exception {
            if (seen.value() == null) {
                seen.update(Boolean.TRUE);
                out.collect(value);
            }
        }
    }

    private static Throughput ingestJob(EmbeddedFlinkCluster flink, IngestConfig config, String group, long expected)
            throws Exception {
        IngestConfig c = config.with("group-id", group).with("transactional-id-prefix", group);
        try (HeapSampler heap = new HeapSampler()) {
            JobClient job = IngestJob.onKafka(c).start(flink.clientConfiguration(), null);
            return finish(flink, job, List.of(Topics.SWIPES.name(), Topics.DEAD_LETTERS.name()), expected,
                    c.bootstrapServers(), heap);
        }
    }

    /** Each 100 records hold one duplicate (record 50 repeats record 49); everything else comes out once. */
    private static long uniqueRecords(int records) {
        return records - (records + 49) / 100;
    }

    private static Throughput finish(EmbeddedFlinkCluster flink, JobClient job, List<String> topics, long expected,
            String bootstrap, HeapSampler heap) throws Exception {
        List<TopicPartition> output = topics.stream()
                .flatMap(t -> IntStream.range(0, PARTITIONS).mapToObj(p -> new TopicPartition(t, p))).toList();
        try {
            Throughput t = VisibleOutput.await(bootstrap, output, expected, Duration.ofMinutes(10), heap);
            double p99 = CheckpointStats.p99Millis(flink.restAddress(), job.getJobID().toString());
            return new Throughput(t.records(), t.seconds(), t.peakHeapBytes(), p99);
        } finally {
            job.cancel().get();
        }
    }

    /** The passthrough's deserializer: each record unchanged, bound for one output topic. */
    private record ToTopic(String topic) implements KafkaRecordDeserializationSchema<Outgoing> {
        @Override
        public void deserialize(ConsumerRecord<byte[], byte[]> record, Collector<Outgoing> out) {
            out.collect(new Outgoing(topic, record.key(), record.value()));
        }

        @Override
        public TypeInformation<Outgoing> getProducedType() {
            return TypeInformation.of(Outgoing.class);
        }
    }
}
