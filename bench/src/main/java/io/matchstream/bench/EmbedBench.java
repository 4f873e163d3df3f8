package io.matchstream.bench;

import io.matchstream.embedded.EmbeddedFlinkCluster;
import io.matchstream.embedded.EmbeddedKafkaBroker;
import io.matchstream.embedding.DetectedFace;
import io.matchstream.embedding.DlibFaceEncoder;
import io.matchstream.embedding.EmbedOperator;
import io.matchstream.embedding.EmbeddingConfig;
import io.matchstream.embedding.EmbeddingJob;
import io.matchstream.embedding.FaceAligner;
import io.matchstream.embedding.FaceDetector;
import io.matchstream.embedding.FaceLandmarks;
import io.matchstream.embedding.Landmarks;
import io.matchstream.embedding.PhotoEmbedder;
import io.matchstream.embedding.RecentValuesHistogram;
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
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.function.BiPredicate;
import java.util.function.Predicate;
import java.util.stream.IntStream;
import javax.imageio.ImageIO;
import org.apache.flink.core.execution.JobClient;
import org.apache.kafka.clients.admin.NewTopic;
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
 *
 * <p>One job per batch size, each reading its own input topic, all started and warmed up (and the bare
 * pipeline at every batch size) before anything is measured; then {@code rounds} rounds, each visiting every
 * batch size, the order rotating from round to round (1, 8, 32 / 8, 32, 1 / 32, 1, 8), with a window of the
 * bare pipeline (one thread per core) and a window of that batch size's job back to back, bare or job first
 * alternating from round to round. The jobs stay up throughout, idle while they are not measured; what idle
 * jobs cost the process is measured before and after the rounds. The ratio is taken within a pair of windows:
 * a 2-core machine's speed drifts by 10-20% over minutes. The rounds run across batch sizes, not one batch
 * size after another, because the process's first minutes are the JIT compiling the broker's, Kafka's and
 * Flink's code: measured first, one batch size paid for all of them.
 */
final class EmbedBench {
    private static final int PARTITIONS = 4;
    /** The job's task threads (source, embed and sink are chained): not the source's fetcher thread. */
    private static final Predicate<String> JOB_TASKS = name -> name.startsWith("Source: validated uploads");
    private static final String BARE_THREAD = "bare-pipeline-";
    private static final Duration WAIT = Duration.ofMinutes(10);
    /** How long the idle jobs' cost is measured, before and after the rounds. */
    private static final Duration IDLE = Duration.ofSeconds(5);

    private EmbedBench() {}

    /**
     * {@code tailPhotos} go through the job before and after the measured ones of each window, unmeasured:
     * the job's two tasks each read their own partitions, so one starts and runs out of input at another
     * moment than the other (seconds apart in a finite window, never in a stream that keeps coming), and
     * without them the window would begin and end with one core idle.
     */
    record Options(int photos, int warmupPhotos, int tailPhotos, int photoWidth, List<Integer> batchSizes, int rounds) {}

    /**
     * One window: faces/s; per-face time p50/p99 (one value a call of the pipeline, or a batch of the job: its
     * time over its faces); for the job, each face's latency p50/p99 from its arrival in the embedding
     * operator to its embedding (NaN for bare windows); and what the process and the working threads spent.
     */
    private record Window(double facesPerSecond, double p50PerFaceMs, double p99PerFaceMs, double latencyP50Ms, double latencyP99Ms,
            long faces, Usage usage, long peakHeapBytes) {
        double cpuMsPerFace() {
            return usage.processCpuSeconds() * 1e3 / faces;
        }

        double workerCpuMsPerFace() {
            return usage.workerCpuSeconds() * 1e3 / faces;
        }

        double jitCores() {
            return usage.jitCpuSeconds() / usage.seconds();
        }
    }

    /** One batch size's job: its input topic, and its task threads (for the CPU its windows' rows attribute to it). */
    private record BenchJob(int batch, String input, JobClient client, Set<Long> taskThreads) {}

    private record Round(int batch, int round, boolean bareFirst, Window bare, Window job) {
        double ratio() {
            return job.facesPerSecond() / bare.facesPerSecond();
        }
    }

    /** Fewest measured photos a window may have: at 60-90 faces/s, 3-4 of the job's one-second checkpoint commits. */
    static final int MIN_PHOTOS = 256;

    static void run(Options options, PrintStream out) throws Exception {
        EmbeddingConfig config = EmbeddingConfig.defaults();
        Path sample = config.faceModel().getParent().resolve("face-api-1.7.15/demo/sample2.jpg");
        if (!Files.isRegularFile(sample)) {
            throw new IllegalArgumentException("no models and demo photos in " + config.faceModel().getParent()
                    + ": run models/setup.sh (./matchstream setup)");
        }
        if (options.rounds() < 1) {
            throw new IllegalArgumentException("--rounds must be at least 1");
        }
        // The job's output becomes visible at checkpoint commits (every second), in bursts: a window only a second
        // or two long measures where the commits fall, not the job (16 photos gave 238 faces/s at batch 1, NaN at 32).
        int minPhotos = Math.max(MIN_PHOTOS, 4 * options.batchSizes().stream().mapToInt(Integer::intValue).max().orElse(1));
        if (options.photos() < minPhotos) {
            throw new IllegalArgumentException("--photos must be at least " + minPhotos
                    + " (a window spans several checkpoint commits, and four batches of the largest size), got " + options.photos());
        }
        BufferedImage photo = BenchPhotos.scaled(ImageIO.read(sample.toFile()), options.photoWidth());
        byte[] jpeg = BenchPhotos.jpeg(photo);
        int cores = Runtime.getRuntime().availableProcessors();
        out.printf("photo: face-api demo/sample2.jpg scaled to %dx%d (%,d-byte JPEG), %d photos a window, %d rounds across the batch"
                + " sizes after %d photos to warm up each job and the bare pipeline at each batch size (the job: %d more before"
                + " and after each window's, unmeasured),"
                + " %d cores; detector input %d (%s fit), landmarks %s, encoder %s, libtorch threads %s%n", photo.getWidth(), photo.getHeight(),
                jpeg.length, options.photos(), options.rounds(), options.warmupPhotos(), options.tailPhotos(), cores,
                config.faceDetectorInputSize(), config.faceDetectorFit(),
                config.faceLandmarks().getFileName(), config.faceModel().getFileName(),
                config.job().inferenceThreads() == 0 ? "libtorch's default" : config.job().inferenceThreads());

        List<String> singleRows = new ArrayList<>();
        List<Round> rounds = new ArrayList<>();
        List<String> stageRows;
        FaceAligner aligner = new FaceAligner(config.job().faceMargin());
        List<AutoCloseable> opened = new ArrayList<>();
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
            List<Step> pipelines = new ArrayList<>();
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

            // once per batch size, for scale, before the stack starts: the encoder alone and the pipeline in one thread
            for (int batch : options.batchSizes()) {
                Window encode = bare(options.warmupPhotos(), options.photos(), batch,
                        List.of(b -> encoder.encode(Collections.nCopies(b, crop))));
                Window single = bare(options.warmupPhotos(), options.photos(), batch, pipelines.subList(0, 1));
                singleRows.add(String.format("| %d | %.1f | %.1f / %.1f ms | %.1f | %.1f / %.1f ms |", batch,
                        encode.facesPerSecond(), encode.p50PerFaceMs(), encode.p99PerFaceMs(),
                        single.facesPerSecond(), single.p50PerFaceMs(), single.p99PerFaceMs()));
            }

            Path dir = Files.createTempDirectory("matchstream-bench-embed");
            int slots = config.job().parallelism() * options.batchSizes().size();
            try (EmbeddedKafkaBroker broker = new EmbeddedKafkaBroker(dir, 0).start();
                    SchemaRegistryServer registry = new SchemaRegistryServer(RegistryConfig.defaults(broker.bootstrapServers()).withPort(0));
                    EmbeddedFlinkCluster flink = new EmbeddedFlinkCluster(0, slots).with(OperatorHistograms.settings())) {
                registry.start();
                flink.start();
                broker.createTopics(Topics.all().stream().map(t -> t.newTopic((short) 1)).toList());
                SchemaRegistryClient client = new SchemaRegistryClient(registry.url());
                List<TopicPartition> output = IntStream.range(0, PARTITIONS)
                        .mapToObj(p -> new TopicPartition(Topics.PROFILE_EMBEDDINGS.name(), p)).toList();
                List<BenchJob> jobs = new ArrayList<>();
                try (VisibleRecords visible = new VisibleRecords(broker.bootstrapServers(), output)) {
                    try {
                        Set<Long> claimed = new HashSet<>();
                        for (int batch : options.batchSizes()) {
                            // its own input, so that publishing one job's window leaves the others idle
                            String input = "bench-embed-uploads-b" + batch;
                            broker.createTopics(List.of(new NewTopic(input, Topics.PROFILE_UPLOADS.partitions(), (short) 1)
                                    .configs(Topics.PROFILE_UPLOADS.configs())));
                            EmbeddingConfig jobConfig = config.with(Map.of("bootstrap-servers", broker.bootstrapServers(),
                                    "registry-url", registry.url(), "group-id", "bench-embed-" + batch, "batch-size", Integer.toString(batch),
                                    "checkpoint-dir", dir.resolve("checkpoints-" + batch).toUri().toString()));
                            JobClient job = EmbeddingJob.onKafka(jobConfig, List.of(input)).start(flink.clientConfiguration(), null);
                            Set<Long> threads = new HashSet<>();
                            jobs.add(new BenchJob(batch, input, job, threads));
                            publish(broker.bootstrapServers(), client, input, jpeg, options.warmupPhotos(), "b" + batch + "-warmup");
                            visible.drain(options.warmupPhotos(), WAIT);
                            // the jobs' task threads share their names: this job's are the ones that came with it
                            threads.addAll(Usage.Snapshot.take().threads(JOB_TASKS));
                            threads.removeAll(claimed);
                            claimed.addAll(threads);
                            if (threads.isEmpty()) {
                                throw new IllegalStateException("no task threads found for the job of batch size " + batch);
                            }
                        }
                        for (int batch : options.batchSizes()) {
                            bare(options.warmupPhotos(), 0, batch, pipelines);
                        }
                        Set<Long> allTasks = claimed;
                        List<String> idleRows = new ArrayList<>();
                        idleRows.add(idleRow("before the rounds", idle(allTasks)));
                        out.println(IDLE_HEADER);
                        out.println(IDLE_ALIGN);
                        out.println(idleRows.get(0));
                        out.println();
                        out.println("rounds as they go (all of them again below):");
                        out.println(ROUND_HEADER);
                        out.println(ROUND_ALIGN);
                        for (int r = 0; r < options.rounds(); r++) {
                            // each batch size alternates bare-first and job-first from round to round
                            boolean bareFirst = r % 2 == 0;
                            for (int i = 0; i < jobs.size(); i++) {
                                BenchJob job = jobs.get((i + r) % jobs.size());
                                String tag = "b" + job.batch() + "-" + r;
                                Window bare;
                                Window measured;
                                if (bareFirst) {
                                    bare = bare(0, options.photos(), job.batch(), pipelines);
                                    measured = jobWindow(broker.bootstrapServers(), client, jpeg, options, job, tag, visible);
                                } else {
                                    measured = jobWindow(broker.bootstrapServers(), client, jpeg, options, job, tag, visible);
                                    bare = bare(0, options.photos(), job.batch(), pipelines);
                                }
                                Round round = new Round(job.batch(), r + 1, bareFirst, bare, measured);
                                rounds.add(round);
                                out.println(roundRow(round)); // as it goes: a long run shows its progress
                            }
                        }
                        idleRows.add(idleRow("after the rounds", idle(allTasks)));
                        out.println();
                        out.println("Idle: all " + jobs.size() + " jobs up and idle, nothing else running, " + IDLE.toSeconds()
                                + " s (process CPU, broker and registry included; the jobs' task threads; the JIT compiler threads):");
                        out.println(IDLE_HEADER);
                        out.println(IDLE_ALIGN);
                        idleRows.forEach(out::println);
                    } finally {
                        for (BenchJob job : jobs) {
                            job.client().cancel().get();
                        }
                    }
                }
            } finally {
                PreferenceBench.deleteRecursively(dir); // the broker's logs, Flink's checkpoints: 0.3-0.5 GB a run
            }
        } finally {
            for (AutoCloseable c : opened) {
                c.close();
            }
        }
        out.println();
        out.println("Per photo, bare pipeline in one thread (medians; CPU is the calling thread's, which other processes"
                + " do not inflate: the whole cost when libtorch runs on 1 thread, --inference-threads 1):");
        out.println("| stage | wall ms | CPU ms |");
        out.println("|---|---:|---:|");
        stageRows.forEach(out::println);
        out.println();
        out.println("Bare inference, no Kafka or Flink, once per batch size (faces/s, per-face latency p50 / p99): the encoder"
                + " alone and the job's pipeline (decode + detect + landmarks + align + encode) in one thread:");
        out.println("| batch | encoder only | latency | pipeline, 1 thread | latency |");
        out.println("|---:|---:|---:|---:|---:|");
        singleRows.forEach(out::println);
        out.println();
        out.println("Rounds, in the order they ran: per batch size the bare pipeline in one thread per core (" + cores
                + ", own models, as the job's tasks run it) and that batch size's job (parallelism 2, exactly once; faces/s"
                + " visible to read_committed) back to back, bare or job first alternating, all jobs up throughout (the"
                + " others idle). p50 / p99 a face: one value a call of the bare pipeline or a batch of the job (the"
                + " embedding operator's " + EmbedOperator.EMBED_MICROS_PER_FACE + " metric), its time over its faces; job"
                + " latency: each face's, from its arrival in the embedding operator to its embedding, waiting for its batch"
                + " included (" + EmbedOperator.FACE_LATENCY_MICROS + "); both over the window's measured interval, not"
                + " the exactly-once commit that makes it visible (every checkpoint, 1 s). CPU a face: this whole"
                + " process's (broker and registry included) over the window; the working threads' alone (the bare"
                + " pipeline's, the measured job's task threads); JIT: the compiler threads' cores over the window:");
        out.println(ROUND_HEADER);
        out.println(ROUND_ALIGN);
        rounds.forEach(r -> out.println(roundRow(r)));
        out.println();
        out.println("Per batch size, medians of the rounds (min-max); the ratio is each round's job / bare:");
        out.println("| batch | **job, faces/s** | bare, faces/s | **job vs bare** | CPU a face, bare / job | working threads' CPU a face, bare / job"
                + " | p50 / p99 a face, bare / job | job latency p50 / p99 | peak heap (job) |");
        out.println("|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        for (int batch : options.batchSizes()) {
            List<Round> of = rounds.stream().filter(r -> r.batch() == batch).toList();
            out.printf("| %d | **%s** | %s | **%s** | %.1f / %.1f ms | %.1f / %.1f ms | %.1f / %.1f, %.1f / %.1f ms | %.0f / %.0f ms | %,d MiB |%n", batch,
                    spread(of, r -> r.job().facesPerSecond(), "%.1f"), spread(of, r -> r.bare().facesPerSecond(), "%.1f"),
                    spread(of, Round::ratio, "%.2f"),
                    median(of, r -> r.bare().cpuMsPerFace()), median(of, r -> r.job().cpuMsPerFace()),
                    median(of, r -> r.bare().workerCpuMsPerFace()), median(of, r -> r.job().workerCpuMsPerFace()),
                    median(of, r -> r.bare().p50PerFaceMs()), median(of, r -> r.bare().p99PerFaceMs()),
                    median(of, r -> r.job().p50PerFaceMs()), median(of, r -> r.job().p99PerFaceMs()),
                    median(of, r -> r.job().latencyP50Ms()), median(of, r -> r.job().latencyP99Ms()),
                    of.stream().mapToLong(r -> r.job().peakHeapBytes()).max().orElse(0) >> 20);
        }
    }

    private static final String IDLE_HEADER = "| when | process, cores | jobs' task threads, cores | JIT, cores |";
    private static final String IDLE_ALIGN = "|---|---:|---:|---:|";

    private static String idleRow(String when, Usage idle) {
        return String.format("| %s | %.3f | %.3f | %.3f |", when, idle.processCpuSeconds() / idle.seconds(),
                idle.workerCpuSeconds() / idle.seconds(), idle.jitCpuSeconds() / idle.seconds());
    }

    /** What the process spends over {@link #IDLE} while nothing is published: the idle jobs' share of the cores. */
    private static Usage idle(Set<Long> jobTasks) throws InterruptedException {
        Usage.Snapshot start = Usage.Snapshot.take();
        Thread.sleep(IDLE.toMillis());
        return Usage.between(start, Usage.Snapshot.take(), (id, name) -> jobTasks.contains(id));
    }

    private static final String ROUND_HEADER = "| batch | round | order | bare, faces/s | bare p50 / p99 a face | job, faces/s | job p50 / p99 a face"
            + " | job latency p50 / p99 | job vs bare | CPU a face, bare / job | working threads' CPU a face, bare / job | JIT cores, bare / job"
            + " | peak heap (job) |";
    private static final String ROUND_ALIGN = "|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|";

    private static String roundRow(Round r) {
        return String.format("| %d | %d | %s | %.1f | %.1f / %.1f ms | %.1f | %.1f / %.1f ms | %.0f / %.0f ms | %.2f | %.1f / %.1f ms | %.1f / %.1f ms | %.2f / %.2f | %,d MiB |",
                r.batch(), r.round(), r.bareFirst() ? "bare, job" : "job, bare", r.bare().facesPerSecond(),
                r.bare().p50PerFaceMs(), r.bare().p99PerFaceMs(), r.job().facesPerSecond(), r.job().p50PerFaceMs(), r.job().p99PerFaceMs(),
                r.job().latencyP50Ms(), r.job().latencyP99Ms(), r.ratio(),
                r.bare().cpuMsPerFace(), r.job().cpuMsPerFace(), r.bare().workerCpuMsPerFace(), r.job().workerCpuMsPerFace(),
                r.bare().jitCores(), r.job().jitCores(), r.job().peakHeapBytes() >> 20);
    }

    private static double median(List<Round> rounds, java.util.function.ToDoubleFunction<Round> value) {
        double[] v = rounds.stream().mapToDouble(value).sorted().toArray();
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }

    private static String spread(List<Round> rounds, java.util.function.ToDoubleFunction<Round> value, String format) {
        double[] v = rounds.stream().mapToDouble(value).sorted().toArray();
        return String.format(format + " (" + format + "-" + format + ")", median(rounds, value), v[0], v[v.length - 1]);
    }

    /**
     * One measured window of the running job: {@code tailPhotos} before and after the measured ones, all
     * published at once (the job reads them as they come); returns once the tail is through too, so that
     * the job is idle again.
     */
    private static Window jobWindow(String bootstrap, SchemaRegistryClient client, byte[] jpeg, Options options, BenchJob job,
            String tag, VisibleRecords visible) throws Exception {
        Usage.Snapshot[] start = new Usage.Snapshot[1];
        // the operator's histograms over the same interval as the clock: the batches and faces embedded meanwhile
        List<RecentValuesHistogram> perFace = OperatorHistograms.of(job.client().getJobID(), EmbedOperator.EMBED_MICROS_PER_FACE);
        List<RecentValuesHistogram> latency = OperatorHistograms.of(job.client().getJobID(), EmbedOperator.FACE_LATENCY_MICROS);
        long[][] counts = new long[2][];
        try (HeapSampler heap = new HeapSampler()) {
            publish(bootstrap, client, job.input(), jpeg, options.tailPhotos() + options.photos() + options.tailPhotos(), tag);
            Throughput t = visible.await(options.tailPhotos(), options.photos(), WAIT, heap, () -> {
                start[0] = Usage.Snapshot.take();
                counts[0] = OperatorHistograms.counts(perFace);
                counts[1] = OperatorHistograms.counts(latency);
            });
            Usage usage = Usage.between(start[0], Usage.Snapshot.take(), (id, name) -> job.taskThreads().contains(id));
            long[] perFaceMicros = OperatorHistograms.since(perFace, counts[0]);
            long[] latencyMicros = OperatorHistograms.since(latency, counts[1]);
            visible.drain(options.tailPhotos(), WAIT);
            return new Window(t.perSecond(), percentileMs(perFaceMicros, 0.50), percentileMs(perFaceMicros, 0.99),
                    percentileMs(latencyMicros, 0.50), percentileMs(latencyMicros, 0.99), t.records(), usage, t.peakHeapBytes());
        }
    }

    /**
     * CPU seconds the process, a set of its threads, and the JIT compiler threads spent between two
     * snapshots; a snapshot reads every thread's CPU time once, so it is taken only at a window's ends.
     */
    private record Usage(double seconds, double processCpuSeconds, double workerCpuSeconds, double jitCpuSeconds) {
        private record Snapshot(long nanos, long processCpu, Map<Long, Long> threadCpu, Map<Long, String> names, long jitCpu) {
            private static final com.sun.management.OperatingSystemMXBean OS =
                    (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
            private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

            static Snapshot take() {
                long[] ids = THREADS.getAllThreadIds();
                long[] cpu = ((com.sun.management.ThreadMXBean) THREADS).getThreadCpuTime(ids);
                Map<Long, Long> byThread = new HashMap<>();
                Map<Long, String> names = new HashMap<>();
                ThreadInfo[] infos = THREADS.getThreadInfo(ids);
                for (int i = 0; i < ids.length; i++) {
                    if (cpu[i] >= 0 && infos[i] != null) {
                        byThread.put(ids[i], cpu[i]);
                        names.put(ids[i], infos[i].getThreadName());
                    }
                }
                long jit = CpuSampler.nativeCpu().getOrDefault("JIT", 0L);
                return new Snapshot(System.nanoTime(), OS.getProcessCpuTime(), byThread, names, jit);
            }

            Set<Long> threads(Predicate<String> named) {
                Set<Long> ids = new HashSet<>();
                names.forEach((id, name) -> {
                    if (named.test(name)) {
                        ids.add(id);
                    }
                });
                return ids;
            }
        }

        /** {@code workers} picks threads by id and name. */
        static Usage between(Snapshot a, Snapshot b, BiPredicate<Long, String> workers) {
            long worker = 0;
            for (var e : b.threadCpu().entrySet()) {
                if (workers.test(e.getKey(), b.names().get(e.getKey()))) {
                    worker += e.getValue() - a.threadCpu().getOrDefault(e.getKey(), 0L);
                }
            }
            return new Usage((b.nanos() - a.nanos()) / 1e9, (b.processCpu() - a.processCpu()) / 1e9, worker / 1e9,
                    (b.jitCpu() - a.jitCpu()) / 1e9);
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
     * faces (none when 0). With {@code faces} 0 it only warms up.
     */
    private static Window bare(int warmup, int faces, int batch, List<Step> steps) throws Exception {
        if (warmup > 0) {
            for (Step step : steps) {
                // at least two calls: TorchScript optimises the graph on the first calls of a shape
                for (int i = 0; i < Math.max(2, warmup / steps.size() / batch); i++) {
                    step.run(batch);
                }
            }
        }
        if (faces == 0) {
            return null;
        }
        int calls = Math.max(steps.size(), faces / batch);
        double[] perFace = new double[calls];
        java.util.concurrent.atomic.AtomicInteger next = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.atomic.AtomicInteger threads = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(steps.size(),
                r -> new Thread(r, BARE_THREAD + threads.incrementAndGet()));
        // the pool's threads exist before the clock starts, so the snapshot sees all of them
        pool.invokeAll(IntStream.range(0, steps.size()).mapToObj(i -> (java.util.concurrent.Callable<Object>) () -> null).toList());
        Usage.Snapshot before = Usage.Snapshot.take();
        long start = System.nanoTime();
        Usage usage;
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
            // before the pool shuts down: a thread that has ended has no CPU time to read
            usage = Usage.between(before, Usage.Snapshot.take(), (id, name) -> name.startsWith(BARE_THREAD));
        } finally {
            pool.shutdown();
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        Arrays.sort(perFace);
        return new Window(calls * batch / seconds, perFace[RecentValuesHistogram.nearestRank(calls, 0.50)],
                perFace[RecentValuesHistogram.nearestRank(calls, 0.99)], Double.NaN, Double.NaN, (long) calls * batch, usage, 0);
    }

    /** Nearest-rank percentile of microsecond values, in ms; NaN when there are none. */
    private static double percentileMs(long[] micros, double quantile) {
        if (micros.length == 0) {
            return Double.NaN;
        }
        long[] sorted = micros.clone();
        Arrays.sort(sorted);
        return sorted[RecentValuesHistogram.nearestRank(sorted.length, quantile)] / 1e3;
    }

    /** {@code photos} uploads to {@code topic}, in the uploads topic's wire format (its subject, which the job reads). */
    private static void publish(String bootstrap, SchemaRegistryClient registry, String topic, byte[] jpeg, int photos, String run)
            throws Exception {
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
                producer.send(new ProducerRecord<>(topic, user.getBytes(),
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
