package io.matchstream.bench;

import io.matchstream.embedded.EmbeddedFlinkCluster;
import io.matchstream.embedded.EmbeddedKafkaBroker;
import io.matchstream.embedding.DetectedFace;
import io.matchstream.embedding.DlibFaceEncoder;
import io.matchstream.embedding.EmbeddingConfig;
import io.matchstream.embedding.EmbeddingJob;
import io.matchstream.embedding.FaceAligner;
import io.matchstream.embedding.FaceDetector;
import io.matchstream.embedding.FaceLandmarks;
import io.matchstream.embedding.Landmarks;
import io.matchstream.embedding.PhotoEmbedder;
import io.matchstream.events.Gender;
import io.matchstream.events.PhotoFormat;
import io.matchstream.events.ProfileUpload;
import io.matchstream.registry.RegistryConfig;
import io.matchstream.registry.SchemaRegistryServer;
import io.matchstream.schemas.Topics;
import io.matchstream.schemas.wire.AvroSerializer;
import io.matchstream.schemas.wire.SchemaRegistryClient;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.stream.IntStream;
import javax.imageio.ImageIO;
import org.apache.flink.core.execution.JobClient;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * {@code ./matchstream bench embed}: faces per second through the embedding job on the embedded stack,
 * next to bare batched inference of the same models in this JVM (the encoder alone, and the job's whole
 * pipeline: decode, detect, landmarks, align, encode, in one thread and in one thread per core with its own
 * models, as the job's tasks run it), for batch sizes 1, 8 and 32, and what each stage of that pipeline
 * costs a photo. Photos are face-api's demo photo with one face, scaled to a profile-photo size. The
 * models and their settings are the job's defaults ({@code MATCHSTREAM_*} variables change them, as for
 * the job).
 */
final class EmbedBench {
    private static final int PARTITIONS = 4;

    private EmbedBench() {}

    /**
     * {@code tailPhotos} follow the measured ones through the job, unmeasured: the job's two tasks each
     * read their own partitions, so one runs out of input before the other (seconds apart in a finite run,
     * never in a stream that keeps coming), and without a tail the window would end with one core idle.
     */
    record Options(int photos, int warmupPhotos, int tailPhotos, int photoWidth, List<Integer> batchSizes) {}

    static void run(Options options, PrintStream out) throws Exception {
        EmbeddingConfig config = EmbeddingConfig.defaults();
        Path sample = config.faceModel().getParent().resolve("face-api-1.7.15/demo/sample2.jpg");
        if (!Files.isRegularFile(sample)) {
            throw new IllegalArgumentException("no models and demo photos in " + config.faceModel().getParent()
                    + ": run models/setup.sh (./matchstream setup)");
        }
        BufferedImage photo = BenchPhotos.scaled(ImageIO.read(sample.toFile()), options.photoWidth());
        byte[] jpeg = BenchPhotos.jpeg(photo);
        out.printf("photo: face-api demo/sample2.jpg scaled to %dx%d (%,d-byte JPEG), %d photos per run after %d to warm up"
                + " (the job: and before %d more, unmeasured),"
                + " %d cores; detector input %d (%s fit), landmarks %s, encoder %s, libtorch threads %s%n", photo.getWidth(), photo.getHeight(),
                jpeg.length, options.photos(), options.warmupPhotos(), options.tailPhotos(), Runtime.getRuntime().availableProcessors(),
                config.faceDetectorInputSize(), config.faceDetectorFit(),
                config.faceLandmarks().getFileName(), config.faceModel().getFileName(),
                config.job().inferenceThreads() == 0 ? "libtorch's default" : config.job().inferenceThreads());

        List<String> rows = new ArrayList<>();
        Map<Integer, Bare> bareAllCores = new java.util.HashMap<>();
        List<String> stageRows;
        FaceAligner aligner = new FaceAligner(config.job().faceMargin());
        try (FaceDetector detector = FaceDetector.open(config); FaceLandmarks landmarks = FaceLandmarks.open(config);
                DlibFaceEncoder encoder = DlibFaceEncoder.open(config)) {
            List<DetectedFace> faces = detector.detect(photo);
            if (faces.size() != 1) {
                throw new IllegalStateException("expected one face in the sample photo, found " + faces.size());
            }
            BufferedImage crop = crop(photo, faces.get(0));
            // the job's libtorch threads here too (it sets them for the whole process when it opens)
            PhotoEmbedder.useInferenceThreads(config.job().inferenceThreads());
            stageRows = stages(jpeg, detector, landmarks, aligner, encoder, options.photos());
            // one set of models per thread, as each of the job's tasks opens its own
            int cores = Runtime.getRuntime().availableProcessors();
            List<AutoCloseable> opened = new ArrayList<>();
            List<Step> pipelines = new ArrayList<>();
            try {
                for (int t = 0; t < cores; t++) {
                    FaceDetector d = t == 0 ? detector : FaceDetector.open(config);
                    FaceLandmarks l = t == 0 ? landmarks : FaceLandmarks.open(config);
                    DlibFaceEncoder e = t == 0 ? encoder : DlibFaceEncoder.open(config);
                    if (t > 0) {
                        opened.addAll(List.of(d, l, e));
                    }
                    pipelines.add(batch -> {
                        List<BufferedImage> crops = new ArrayList<>(batch);
                        for (int i = 0; i < batch; i++) {
                            BufferedImage decoded = PhotoEmbedder.decode(ByteBuffer.wrap(jpeg));
                            DetectedFace face = d.detect(decoded).get(0);
                            crops.add(aligner.align(decoded, face, l.detect(decoded, face)));
                        }
                        e.encode(crops);
                    });
                }
                for (int batch : options.batchSizes()) {
                    Bare encode = bare(options.warmupPhotos(), options.photos(), batch,
                            List.of(b -> encoder.encode(Collections.nCopies(b, crop))));
                    Bare full = bare(options.warmupPhotos(), options.photos(), batch, pipelines.subList(0, 1));
                    Bare all = bare(options.warmupPhotos(), options.photos(), batch, pipelines);
                    bareAllCores.put(batch, all);
                    rows.add(String.format("| %d | %.1f | %.1f / %.1f ms | %.1f | %.1f / %.1f ms | %.1f | %.1f / %.1f ms |", batch,
                            encode.facesPerSecond, encode.p50PerFaceMs, encode.p99PerFaceMs,
                            full.facesPerSecond, full.p50PerFaceMs, full.p99PerFaceMs,
                            all.facesPerSecond, all.p50PerFaceMs, all.p99PerFaceMs));
                }
            } finally {
                for (AutoCloseable c : opened) {
                    c.close();
                }
            }
        }

        List<String> jobRows = new ArrayList<>();
        Path dir = Files.createTempDirectory("matchstream-bench-embed");
        try (EmbeddedKafkaBroker broker = new EmbeddedKafkaBroker(dir, 0).start();
                SchemaRegistryServer registry = new SchemaRegistryServer(RegistryConfig.defaults(broker.bootstrapServers()).withPort(0));
                EmbeddedFlinkCluster flink = new EmbeddedFlinkCluster(0, 4)) {
            registry.start();
            flink.start();
            broker.createTopics(Topics.all().stream().map(t -> t.newTopic((short) 1)).toList());
            SchemaRegistryClient client = new SchemaRegistryClient(registry.url());
            for (int batch : options.batchSizes()) {
                String group = "bench-embed-" + batch;
                // the warm-up photos first, then the measured ones and the tail, all through the same running job
                publish(broker.bootstrapServers(), client, jpeg, options.warmupPhotos() + options.photos() + options.tailPhotos(), batch);
                EmbeddingConfig jobConfig = config.with(Map.of("bootstrap-servers", broker.bootstrapServers(),
                        "registry-url", registry.url(), "group-id", group, "batch-size", Integer.toString(batch),
                        "checkpoint-dir", dir.resolve("checkpoints-" + batch).toUri().toString()));
                List<TopicPartition> output = IntStream.range(0, PARTITIONS)
                        .mapToObj(p -> new TopicPartition(Topics.PROFILE_EMBEDDINGS.name(), p)).toList();
                try (HeapSampler heap = new HeapSampler(); CpuSampler cpu = new CpuSampler();
                        VisibleRecords visible = new VisibleRecords(broker.bootstrapServers(), output)) {
                    JobClient job = EmbeddingJob.onKafka(jobConfig).start(flink.clientConfiguration(), null);
                    try {
                        Throughput t = visible.await(options.warmupPhotos(), options.photos(), Duration.ofMinutes(10), heap);
                        long end = System.nanoTime();
                        double cpuMsPerFace = cpu.cpuNanosBetween(end - (long) (t.seconds() * 1e9), end) / 1e6 / t.records();
                        int cores = Runtime.getRuntime().availableProcessors();
                        jobRows.add(String.format("| %d | %.1f | %.2f | %.1f | %.0f | %,d MiB |", batch, t.perSecond(),
                                t.perSecond() / bareAllCores.get(batch).facesPerSecond, cpuMsPerFace,
                                cores * 1000 / cpuMsPerFace, t.peakHeapBytes() >> 20));
                    } finally {
                        job.cancel().get();
                    }
                }
            }
        }
        out.println();
        out.println("Per photo, bare pipeline in one thread (medians; CPU is the calling thread's, which other processes"
                + " do not inflate: the whole cost when libtorch runs on 1 thread, --inference-threads 1):");
        out.println("| stage | wall ms | CPU ms |");
        out.println("|---|---:|---:|");
        stageRows.forEach(out::println);
        out.println();
        out.println("Bare inference, no Kafka or Flink (faces/s, per-face latency p50 / p99): the encoder alone and the job's"
                + " pipeline (decode + detect + landmarks + align + encode) in one thread, and the pipeline in one thread per"
                + " core (" + Runtime.getRuntime().availableProcessors() + "), as the job's tasks run it:");
        out.println("| batch | encoder only | latency | pipeline, 1 thread | latency | pipeline, all cores | latency |");
        out.println("|---:|---:|---:|---:|---:|---:|---:|");
        rows.forEach(out::println);
        out.println();
        out.println("Embedding job on the embedded stack (parallelism 2, exactly once; faces/s visible to read_committed,"
                + " after the warm-up photos went through the same running job, with the tail photos still to come; CPU per face is this whole process's, broker and registry included, over the same interval; the"
                + " capacity is what the cores would give at that cost if nothing else ran on them):");
        out.println("| batch | faces/s | vs bare pipeline, all cores | CPU ms per face | faces/s the cores can do | peak heap |");
        out.println("|---:|---:|---:|---:|---:|---:|");
        jobRows.forEach(out::println);
    }

    private record Bare(double facesPerSecond, double p50PerFaceMs, double p99PerFaceMs) {}

    /**
     * Samples this process's CPU time every 20 ms, so that the CPU spent between two moments can be read
     * afterwards: on a machine shared with other work, faces per CPU second is the number that load
     * elsewhere does not move.
     */
    private static final class CpuSampler implements AutoCloseable {
        private final com.sun.management.OperatingSystemMXBean os =
                (com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean();
        private final List<long[]> samples = Collections.synchronizedList(new ArrayList<>());
        private final Thread thread;

        CpuSampler() {
            sample();
            thread = new Thread(() -> {
                try {
                    while (!Thread.currentThread().isInterrupted()) {
                        Thread.sleep(20);
                        sample();
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, "cpu-sampler");
            thread.setDaemon(true);
            thread.start();
        }

        private void sample() {
            samples.add(new long[] {System.nanoTime(), os.getProcessCpuTime()});
        }

        /** CPU nanoseconds between two {@link System#nanoTime} moments, from the samples nearest them. */
        long cpuNanosBetween(long from, long to) {
            sample();
            return cpuAt(to) - cpuAt(from);
        }

        private long cpuAt(long moment) {
            synchronized (samples) {
                long[] nearest = samples.get(0);
                for (long[] s : samples) {
                    if (Math.abs(s[0] - moment) < Math.abs(nearest[0] - moment)) {
                        nearest = s;
                    }
                }
                return nearest[1];
            }
        }

        @Override
        public void close() throws InterruptedException {
            thread.interrupt();
            thread.join();
        }
    }

    /**
     * Wall and thread CPU time of each stage, per photo (the encoder in batches of 8), medians over
     * {@code photos} rounds that run the stages in turn, so that load from elsewhere falls on all alike.
     */
    private static List<String> stages(byte[] jpeg, FaceDetector detector, FaceLandmarks landmarks, FaceAligner aligner,
            DlibFaceEncoder encoder, int photos) throws Exception {
        java.lang.management.ThreadMXBean os = java.lang.management.ManagementFactory.getThreadMXBean();
        String[] names = {"decode (ImageIO)", "detect", "landmarks", "align", "encode (batch of 8, per face)", "all"};
        double[][] wall = new double[names.length][photos];
        double[][] cpu = new double[names.length][photos];
        for (int round = -3; round < photos; round++) { // three warm-up rounds
            long[] wallAt = new long[names.length];
            long[] cpuAt = new long[names.length];
            wallAt[0] = System.nanoTime();
            cpuAt[0] = os.getCurrentThreadCpuTime();
            BufferedImage decoded = PhotoEmbedder.decode(ByteBuffer.wrap(jpeg));
            wallAt[1] = System.nanoTime();
            cpuAt[1] = os.getCurrentThreadCpuTime();
            DetectedFace face = detector.detect(decoded).get(0);
            wallAt[2] = System.nanoTime();
            cpuAt[2] = os.getCurrentThreadCpuTime();
            Landmarks points = landmarks.detect(decoded, face);
            wallAt[3] = System.nanoTime();
            cpuAt[3] = os.getCurrentThreadCpuTime();
            BufferedImage crop = aligner.align(decoded, face, points);
            wallAt[4] = System.nanoTime();
            cpuAt[4] = os.getCurrentThreadCpuTime();
            encoder.encode(Collections.nCopies(8, crop));
            long wallEnd = System.nanoTime();
            long cpuEnd = os.getCurrentThreadCpuTime();
            if (round < 0) {
                continue;
            }
            for (int s = 0; s < 5; s++) {
                double per = s == 4 ? 8 : 1;
                wall[s][round] = ((s == 4 ? wallEnd : wallAt[s + 1]) - wallAt[s]) / 1e6 / per;
                cpu[s][round] = ((s == 4 ? cpuEnd : cpuAt[s + 1]) - cpuAt[s]) / 1e6 / per;
                wall[5][round] += wall[s][round];
                cpu[5][round] += cpu[s][round];
            }
        }
        List<String> rows = new ArrayList<>();
        for (int s = 0; s < names.length; s++) {
            Arrays.sort(wall[s]);
            Arrays.sort(cpu[s]);
            rows.add(String.format("| %s | %.1f | %.1f |", names[s], wall[s][photos / 2], cpu[s][photos / 2]));
        }
        return rows;
    }

    /** One call of a bare benchmark: {@code batch} faces. */
    @FunctionalInterface
    private interface Step {
        void run(int batch) throws Exception;
    }

    /**
     * {@code faces} faces in calls of {@code batch}, shared among as many threads as there are steps, each
     * thread calling its own step (its own models: a model serialises its calls), after {@code warmup}
     * faces, as the job's measured photos come after its warm-up.
     */
    private static Bare bare(int warmup, int faces, int batch, List<Step> steps) throws Exception {
        for (Step step : steps) {
            // at least two calls: TorchScript optimises the graph on the first calls of a shape
            for (int i = 0; i < Math.max(2, warmup / steps.size() / batch); i++) {
                step.run(batch);
            }
        }
        int calls = Math.max(steps.size(), faces / batch);
        double[] perFace = new double[calls];
        java.util.concurrent.atomic.AtomicInteger next = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(steps.size());
        long start = System.nanoTime();
        try {
            List<java.util.concurrent.Future<?>> running = new ArrayList<>();
            for (Step step : steps) {
                running.add(pool.submit(() -> {
                    for (int i = next.getAndIncrement(); i < calls; i = next.getAndIncrement()) {
                        long at = System.nanoTime();
                        step.run(batch);
                        perFace[i] = (System.nanoTime() - at) / 1e6 / batch;
                    }
                    return null;
                }));
            }
            for (java.util.concurrent.Future<?> f : running) {
                f.get();
            }
        } finally {
            pool.shutdown();
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        Arrays.sort(perFace);
        return new Bare(calls * batch / seconds, perFace[calls / 2], perFace[Math.min(calls - 1, (int) Math.ceil(calls * 0.99) - 1)]);
    }

    private static void publish(String bootstrap, SchemaRegistryClient registry, byte[] jpeg, int photos, int run) throws Exception {
        AvroSerializer<ProfileUpload> serializer = Topics.PROFILE_UPLOADS.valueSerializer(registry);
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, Integer.toString(Topics.MAX_RECORD_BYTES));
        try (var producer = new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer())) {
            for (int i = 0; i < photos; i++) {
                String user = "u" + run + "-" + i;
                ProfileUpload upload = ProfileUpload.newBuilder()
                        .setEventId("e" + run + "-" + i).setUserId(user).setPhoto(ByteBuffer.wrap(jpeg))
                        .setPhotoFormat(PhotoFormat.JPEG).setGender(Gender.F).setSeeking(List.of(Gender.M))
                        .setAge(30).setLat(1).setLon(2).setMinAge(18).setMaxAge(99).setMaxDistanceKm(50)
                        .setTimestamp(Instant.now()).build();
                producer.send(new ProducerRecord<>(Topics.PROFILE_UPLOADS.name(), user.getBytes(),
                        serializer.serialize(Topics.PROFILE_UPLOADS.name(), upload)));
            }
        }
    }

    private static BufferedImage crop(BufferedImage image, DetectedFace f) {
        int x = (int) Math.max(0, f.x());
        int y = (int) Math.max(0, f.y());
        int w = (int) Math.min(image.getWidth() - x, f.width());
        int h = (int) Math.min(image.getHeight() - y, f.height());
        return image.getSubimage(x, y, Math.max(1, w), Math.max(1, h));
    }
}
