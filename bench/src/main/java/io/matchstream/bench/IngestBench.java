package io.matchstream.bench;

import io.matchstream.embedded.EmbeddedFlinkCluster;
import io.matchstream.embedded.EmbeddedKafkaBroker;
import io.matchstream.events.RawSwipe;
import io.matchstream.ingest.IngestConfig;
import io.matchstream.ingest.IngestJob;
import io.matchstream.ingest.JobEnvironment;
import io.matchstream.ingest.Outgoing;
import io.matchstream.registry.RegistryConfig;
import io.matchstream.registry.SchemaRegistryServer;
import io.matchstream.schemas.Topics;
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

    static void run(int records, List<String> backends, PrintStream out) throws Exception {
        Path dir = Files.createTempDirectory("matchstream-bench-ingest");
        try (EmbeddedKafkaBroker broker = new EmbeddedKafkaBroker(dir, 0).start();
                SchemaRegistryServer registry = new SchemaRegistryServer(RegistryConfig.defaults(broker.bootstrapServers()).withPort(0));
                EmbeddedFlinkCluster flink = new EmbeddedFlinkCluster(0, 4)) {
            registry.start();
            flink.start();
            broker.createTopics(Topics.all().stream().map(t -> t.newTopic((short) 1)).toList());
            broker.createTopics(List.of(new NewTopic(BYTES_TOPIC, PARTITIONS, (short) 1),
                    new NewTopic(COPY_OUT, PARTITIONS, (short) 1), new NewTopic(PASSTHROUGH_OUT, PARTITIONS, (short) 1)));
            String bootstrap = broker.bootstrapServers();
            SchemaRegistryClient client = new SchemaRegistryClient(registry.url());
            double valueBytes = produceSwipes(bootstrap, client, records);
            out.printf("%,d swipes (%.0f-byte values, 1%% duplicates, 1%% invalid) on %d partitions; parallelism 2, 1 s checkpoints%n",
                    records, valueBytes, PARTITIONS);

            Throughput copy = copyLoop(bootstrap, records);
            out.printf("(a) copy loop done: %,.0f records/s%n", copy.perSecond());
            IngestConfig base = IngestConfig.defaults()
                    .withBootstrapServers(bootstrap, registry.url())
                    .withCheckpointDir(dir.resolve("checkpoints").toUri().toString());
            Throughput passthrough = passthrough(flink, base.withStateBackend("rocksdb"));
            out.printf("(b) passthrough done: %,.0f records/s%n", passthrough.perSecond());
            java.util.Map<String, Throughput> ingest = new java.util.LinkedHashMap<>();
            for (String backend : backends) {
                Throughput t = ingestJob(flink, base.withStateBackend(backend), "bench-ingest-" + backend);
                out.printf("(c) ingest job (%s) done: %,.0f records/s%n", backend, t.perSecond());
                ingest.put(backend, t);
            }

            out.println();
            out.println("| run | records/s | vs (b) passthrough | vs (a) copy loop | peak heap | checkpoint p99 |");
            out.println("|---|---:|---:|---:|---:|---:|");
            row(out, "(a) kafka-clients copy loop, 1 thread", copy, passthrough, copy);
            row(out, "(b) Flink passthrough, exactly once", passthrough, passthrough, copy);
            for (var e : ingest.entrySet()) {
                row(out, "(c) ingest job, " + e.getKey() + " state", e.getValue(), passthrough, copy);
            }
        }
    }

    private static void row(PrintStream out, String name, Throughput t, Throughput b, Throughput a) {
        out.printf("| %s | %,.0f | %.2f | %.2f | %,d MiB | %s |%n", name, t.perSecond(), t.perSecond() / b.perSecond(),
                t.perSecond() / a.perSecond(), t.peakHeapBytes() >> 20,
                Double.isNaN(t.checkpointP99Ms()) ? "-" : String.format("%.0f ms", t.checkpointP99Ms()));
    }

    /** Writes the swipes to raw.swipes and the same bytes to the plain bench topic; returns the mean value size. */
    private static double produceSwipes(String bootstrap, SchemaRegistryClient registry, int records) throws Exception {
        AvroSerializer<RawSwipe> serializer = Topics.RAW_SWIPES.valueSerializer(registry);
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ProducerConfig.LINGER_MS_CONFIG, "20");
        props.put(ProducerConfig.BATCH_SIZE_CONFIG, Integer.toString(512 * 1024));
        props.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
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

    private static Throughput copyLoop(String bootstrap, int records) {
        Properties c = new Properties();
        c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        c.put(ConsumerConfig.GROUP_ID_CONFIG, "bench-copy");
        c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        c.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "5000");
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.LINGER_MS_CONFIG, "5");
        p.put(ProducerConfig.BATCH_SIZE_CONFIG, Integer.toString(256 * 1024));
        p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
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

    private static Throughput passthrough(EmbeddedFlinkCluster flink, IngestConfig config) throws Exception {
        String group = "bench-passthrough";
        KafkaSource<Outgoing> source = KafkaSource.<Outgoing>builder()
                .setBootstrapServers(config.bootstrapServers())
                .setTopics(BYTES_TOPIC)
                .setGroupId(group)
                .setStartingOffsets(OffsetsInitializer.earliest())
                .setDeserializer(new ToTopic(PASSTHROUGH_OUT))
                .build();
        StreamExecutionEnvironment env = new StreamExecutionEnvironment(
                JobEnvironment.configuration(config, null, flink.clientConfiguration()));
        env.fromSource(source, WatermarkStrategy.noWatermarks(), "bench bytes")
                .sinkTo(IngestJob.kafkaSink(config.withTransactionalIdPrefix("bench-passthrough")));
        try (HeapSampler heap = new HeapSampler()) {
            JobClient job = env.executeAsync("bench-passthrough");
            return finish(flink, job, group, BYTES_TOPIC, config.bootstrapServers(), heap);
        }
    }

    private static Throughput ingestJob(EmbeddedFlinkCluster flink, IngestConfig config, String group) throws Exception {
        IngestConfig c = config.withGroupId(group).withTransactionalIdPrefix(group);
        try (HeapSampler heap = new HeapSampler()) {
            JobClient job = IngestJob.onKafka(c).start(flink.clientConfiguration(), null);
            return finish(flink, job, group, Topics.RAW_SWIPES.name(), c.bootstrapServers(), heap);
        }
    }

    private static Throughput finish(EmbeddedFlinkCluster flink, JobClient job, String group, String topic,
            String bootstrap, HeapSampler heap) throws Exception {
        List<TopicPartition> input = IntStream.range(0, PARTITIONS).mapToObj(p -> new TopicPartition(topic, p)).toList();
        try {
            Throughput t = CommittedProgress.await(bootstrap, group, input, Duration.ofMinutes(10), heap);
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
