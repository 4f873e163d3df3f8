package io.matchstream.bench;

import ai.djl.engine.Engine;
import ai.djl.util.cuda.CudaUtils;
import io.matchstream.embedding.DetectedFace;
import io.matchstream.embedding.Cosine;
import io.matchstream.embedding.EmbeddingConfig;
import io.matchstream.embedding.FaceAligner;
import io.matchstream.embedding.FaceDetector;
import io.matchstream.embedding.FaceLandmarks;
import io.matchstream.embedding.ImageEncoder;
import io.matchstream.embedding.InferenceDevice;
import io.matchstream.embedding.PhotoEmbedder;
import io.matchstream.embedding.ProjectionHead;
import io.matchstream.events.Gender;
import io.matchstream.events.PhotoFormat;
import io.matchstream.events.ProfileUpload;
import java.awt.image.BufferedImage;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import javax.imageio.ImageIO;

/**
 * {@code ./matchstream bench embed-devices}: the job's own embedder ({@link PhotoEmbedder}: decode, detect,
 * landmarks, align, one batched encoder + head call) on every device DJL finds, in one run, without Flink or
 * Kafka around it. The CPU runs one pipeline per core with one libtorch thread each (as the job's tasks do);
 * each GPU runs one pipeline and then several (their Java pre-processing overlaps the GPU's work).
 *
 * <p>Before timing it embeds real photos (face-api's demo photos, scikit-image's astronaut when installed)
 * on each device and compares: the same outcome (embedded / no_face / ambiguous_face) and the cosine of each
 * vector to the CPU's. {@code --vectors-out} writes the CPU's vectors; {@code --reference} compares every
 * device with vectors written by another run, e.g. by the pinned CPU build of libtorch on another machine.
 *
 * <p>Only the embedding job's classes and DJL are used, so this runs on a machine given just those jars and
 * a libtorch (README, "On a GPU").
 */
public final class EmbedDeviceBench {
    private static final Path ASTRONAUT = Path.of("/usr/lib/python3/dist-packages/skimage/data/astronaut.png");

    record Options(int photos, int photoWidth, List<Integer> batchSizes, int gpuPipelines, Path photoDir, Path vectorsOut,
            Path reference, List<String> throughputDevices, int stageCalls) {}

    private EmbedDeviceBench() {}

    public static void main(String[] args) throws Exception {
        int photos = 512;
        int width = 640;
        List<Integer> batches = List.of(1, 8, 32);
        int gpuPipelines = 4;
        Path photoDir = null;
        Path vectorsOut = null;
        Path reference = null;
        List<String> throughputDevices = null;
        int stageCalls = 0;
        for (int i = 0; i < args.length; i++) {
            String value = i + 1 < args.length ? args[i + 1] : null;
            if (value == null) {
                throw new IllegalArgumentException(args[i] + " needs a value");
            }
            switch (args[i++]) {
                case "--photos" -> photos = Integer.parseInt(value);
                case "--photo-width" -> width = Integer.parseInt(value);
                case "--batch-sizes" -> batches = Arrays.stream(value.split(",")).map(Integer::valueOf).toList();
                case "--gpu-pipelines" -> gpuPipelines = Integer.parseInt(value);
                case "--photo-dir" -> photoDir = Path.of(value);
                case "--vectors-out" -> vectorsOut = Path.of(value);
                case "--reference" -> reference = Path.of(value);
                case "--throughput-devices" -> throughputDevices = List.of(value.split(","));
                case "--stages" -> stageCalls = Integer.parseInt(value);
                default -> throw new IllegalArgumentException("unknown flag " + args[i - 1]);
            }
        }
        run(new Options(photos, width, batches, gpuPipelines, photoDir, vectorsOut, reference, throughputDevices, stageCalls),
                System.out);
    }

    static void run(Options options, PrintStream out) throws Exception {
        EmbeddingConfig config = EmbeddingConfig.defaults();
        Path photoDir = options.photoDir() != null ? options.photoDir()
                : config.faceModel().getParent().resolve("face-api-1.7.15/demo");
        List<Path> photos = new ArrayList<>();
        try (var files = Files.list(photoDir)) {
            files.filter(f -> f.toString().endsWith(".jpg") || f.toString().endsWith(".png")).sorted().forEach(photos::add);
        }
        if (options.photoDir() == null && Files.isRegularFile(ASTRONAUT)) {
            photos.add(ASTRONAUT);
        }
        Path sample = photoDir.resolve("sample2.jpg");
        if (!Files.isRegularFile(sample)) {
            throw new IllegalArgumentException("no sample2.jpg in " + photoDir + ": run models/setup.sh (./matchstream setup)");
        }
        Engine engine = InferenceDevice.engine();
        PhotoEmbedder.useInferenceThreads(1); // one libtorch thread per pipeline, as in the job (the engine is loaded now)
        int gpus = engine.getGpuCount();
        out.printf("DJL %s, libtorch %s, default device %s, %d GPU(s)%s, %d cores%n", Engine.getDjlVersion(), engine.getVersion(),
                engine.defaultDevice(), gpus, gpus == 0 ? "" : " (" + gpuName() + ")", Runtime.getRuntime().availableProcessors());

        List<String> devices = new ArrayList<>(List.of("cpu"));
        for (int g = 0; g < gpus; g++) {
            devices.add("gpu:" + g);
        }

        // 1. Same photos, same faces, same vectors on every device: each face the detector finds (not only a
        // photo's dominant one), aligned, encoded and projected; and the embedder's outcome for each photo.
        Map<String, Map<String, float[]>> vectors = new LinkedHashMap<>();
        Map<String, Map<String, String>> outcomes = new LinkedHashMap<>();
        Map<String, List<DetectedFace>> cpuFaces = new LinkedHashMap<>();
        FaceAligner aligner = new FaceAligner(config.job().faceMargin());
        for (String device : devices) {
            try (Pipeline p = Pipeline.open(config.with(Map.of("inference-device", device)))) {
                out.printf("%s: models on %s%n", device, p.device());
                Map<String, float[]> v = new LinkedHashMap<>();
                Map<String, String> o = new LinkedHashMap<>();
                for (Path photo : photos) {
                    String name = photo.getFileName().toString();
                    byte[] bytes = Files.readAllBytes(photo);
                    PhotoEmbedder.Outcome outcome = p.embedder.embed(List.of(upload(bytes))).get(0);
                    o.put(name, outcome instanceof PhotoEmbedder.Refused r ? r.reasonCode() : "embedded");
                    BufferedImage image = PhotoEmbedder.decode(ByteBuffer.wrap(bytes));
                    List<DetectedFace> faces = p.detector.detect(image);
                    if (device.equals("cpu")) {
                        cpuFaces.put(name, faces);
                    }
                    List<BufferedImage> crops = new ArrayList<>();
                    for (DetectedFace f : faces) {
                        crops.add(aligner.align(image, f, p.landmarks.detect(image, f)));
                    }
                    float[][] descriptors = crops.isEmpty() ? new float[0][] : p.encoder.encode(crops);
                    float[][] projected = p.head == null ? descriptors : p.head.project(descriptors);
                    for (int i = 0; i < faces.size(); i++) {
                        // named after the CPU's face with the same box (detection order may differ on near-equal scores)
                        v.put(name + "#" + closest(cpuFaces.getOrDefault(name, List.of()), faces.get(i), i), projected[i]);
                    }
                    o.put(name, o.get(name) + ", " + faces.size() + " face(s)");
                }
                vectors.put(device, v);
                outcomes.put(device, o);
            }
        }
        Map<String, float[]> reference = options.reference() == null ? null : readVectors(options.reference());
        out.println();
        out.println("| photo | " + String.join(" | ", devices.stream().map(d -> d + ": embedder outcome, faces found").toList()) + " |");
        for (Path photo : photos) {
            String name = photo.getFileName().toString();
            StringBuilder row = new StringBuilder("| " + name);
            for (String device : devices) {
                row.append(" | ").append(outcomes.get(device).get(name));
            }
            out.println(row.append(" |"));
        }
        Map<String, float[]> cpu = vectors.get("cpu");
        for (String device : devices) {
            Map<String, float[]> v = vectors.get(device);
            if (!device.equals("cpu")) {
                int differ = 0;
                for (Path photo : photos) {
                    String name = photo.getFileName().toString();
                    differ += outcomes.get(device).get(name).equals(outcomes.get("cpu").get(name)) ? 0 : 1;
                }
                out.printf("%s vs cpu: %d of %d photos with another outcome or face count; %s%n", device, differ, photos.size(),
                        agreement(cpu, v));
            }
            if (reference != null) {
                out.printf("%s vs %s: %s%n", device, options.reference(), agreement(reference, v));
            }
        }
        if (options.vectorsOut() != null) {
            writeVectors(options.vectorsOut(), cpu);
            out.println("cpu vectors (" + cpu.size() + " faces) written to " + options.vectorsOut());
        }

        // 2. Faces per second through the embedder, per device, same photo, same batch sizes.
        BufferedImage photo = BenchPhotos.scaled(ImageIO.read(sample.toFile()), options.photoWidth());
        byte[] jpeg = BenchPhotos.jpeg(photo);
        List<String> timed = options.throughputDevices() == null ? devices
                : devices.stream().filter(options.throughputDevices()::contains).toList();
        if (options.stageCalls() > 0) {
            stages(options, config, timed, jpeg, out);
        }
        out.printf("%nthroughput: face-api demo/sample2.jpg scaled to %dx%d, %d photos per row, embedder with its head"
                + " (decode, detect, landmarks, align, encode + head); faces/s and per-face latency p50 / p99%n",
                photo.getWidth(), photo.getHeight(), options.photos());
        out.println("| device | pipelines | " + String.join(" | ", options.batchSizes().stream().map(b -> "batch " + b).toList()) + " |");
        for (String device : timed) {
            List<Integer> pipelineCounts = device.equals("cpu") ? List.of(Runtime.getRuntime().availableProcessors())
                    : options.gpuPipelines() > 1 ? List.of(1, options.gpuPipelines()) : List.of(1);
            for (int count : pipelineCounts) {
                List<Pipeline> pipelines = new ArrayList<>();
                try {
                    for (int i = 0; i < count; i++) {
                        pipelines.add(Pipeline.open(config.with(Map.of("inference-device", device))));
                    }
                    StringBuilder row = new StringBuilder("| " + device + " | " + count);
                    List<String> firstCalls = new ArrayList<>();
                    for (int batch : options.batchSizes()) {
                        List<ProfileUpload> uploads = Collections.nCopies(batch, upload(jpeg));
                        Throughput t = time(options.photos(), batch, pipelines, uploads);
                        row.append(String.format(" | %.1f faces/s, %.1f / %.1f ms", t.facesPerSecond, t.p50Ms, t.p99Ms));
                        firstCalls.add(String.format("%.0f ms (batch %d)", t.firstCallMs, batch));
                    }
                    out.println(row.append(" |"));
                    out.println("  (warm-up, untimed: each pipeline's first call on its thread took up to " + String.join(", ", firstCalls) + ")");
                } finally {
                    for (Pipeline p : pipelines) {
                        p.close();
                    }
                }
            }
        }
    }

    /**
     * Where one pipeline's time goes: each stage of {@link PhotoEmbedder#embed} run on its own over the same
     * {@code batch} photos, {@code --stages} calls after 3 warm-up calls, ms a face (mean). Detect and landmarks
     * include their Java input preparation and output decoding; encode includes the crops' preparation.
     */
    private static void stages(Options options, EmbeddingConfig config, List<String> devices, byte[] jpeg, PrintStream out)
            throws Exception {
        String[] names = {"decode", "detect", "landmarks", "align", "encode", "head"};
        out.printf("%nstages: one pipeline, the throughput photo, %d calls a cell after 3 warm-up calls; ms a face, mean"
                + " (each stage run on its own; embed() is the whole call)%n", options.stageCalls());
        out.println("| device | batch | " + String.join(" | ", names) + " | sum | embed() |");
        FaceAligner aligner = new FaceAligner(config.job().faceMargin());
        for (String device : devices) {
            try (Pipeline p = Pipeline.open(config.with(Map.of("inference-device", device)))) {
                for (int batch : options.batchSizes()) {
                    List<ProfileUpload> uploads = Collections.nCopies(batch, upload(jpeg));
                    double[] total = new double[names.length + 1];
                    for (int call = -3; call < options.stageCalls(); call++) {
                        long[] t = new long[names.length + 2];
                        t[0] = System.nanoTime();
                        List<BufferedImage> images = new ArrayList<>();
                        for (int i = 0; i < batch; i++) {
                            images.add(PhotoEmbedder.decode(ByteBuffer.wrap(jpeg)));
                        }
                        t[1] = System.nanoTime();
                        List<DetectedFace> faces = new ArrayList<>();
                        for (BufferedImage image : images) {
                            faces.add(p.detector.detect(image).get(0));
                        }
                        t[2] = System.nanoTime();
                        List<io.matchstream.embedding.Landmarks> marks = new ArrayList<>();
                        for (int i = 0; i < batch; i++) {
                            marks.add(p.landmarks.detect(images.get(i), faces.get(i)));
                        }
                        t[3] = System.nanoTime();
                        List<BufferedImage> crops = new ArrayList<>();
                        for (int i = 0; i < batch; i++) {
                            crops.add(aligner.align(images.get(i), faces.get(i), marks.get(i)));
                        }
                        t[4] = System.nanoTime();
                        float[][] vectors = p.encoder.encode(crops);
                        t[5] = System.nanoTime();
                        if (p.head != null) {
                            p.head.project(vectors);
                        }
                        t[6] = System.nanoTime();
                        p.embedder.embed(uploads);
                        t[7] = System.nanoTime();
                        if (call >= 0) {
                            for (int s = 0; s <= names.length; s++) {
                                total[s] += (t[s + 1] - t[s]) / 1e6 / batch;
                            }
                        }
                    }
                    StringBuilder row = new StringBuilder("| " + device + " | " + batch);
                    double sum = 0;
                    for (int s = 0; s < names.length; s++) {
                        sum += total[s];
                        row.append(String.format(" | %.2f", total[s] / options.stageCalls()));
                    }
                    row.append(String.format(" | %.2f | %.2f |", sum / options.stageCalls(), total[names.length] / options.stageCalls()));
                    out.println(row);
                }
            }
        }
    }

    /** One set of models and the embedder over them: what one task of the job opens. */
    private record Pipeline(FaceDetector detector, FaceLandmarks landmarks, ImageEncoder encoder, ProjectionHead head,
            PhotoEmbedder embedder) implements AutoCloseable {
        static Pipeline open(EmbeddingConfig config) {
            FaceDetector detector = FaceDetector.open(config);
            FaceLandmarks landmarks = FaceLandmarks.open(config);
            ImageEncoder encoder = config.openEncoder();
            ProjectionHead head = config.openHead().orElse(null);
            return new Pipeline(detector, landmarks, encoder, head, new PhotoEmbedder(detector, landmarks, encoder, head,
                    config.job().ambiguousAreaRatio(), config.job().faceMargin(), config.job().centreCropFallback()));
        }

        String device() {
            return detector.device().toString();
        }

        @Override
        public void close() throws Exception {
            detector.close();
            landmarks.close();
            encoder.close();
            if (head != null) {
                head.close();
            }
        }
    }

    /** @param firstCallMs the slowest of the pipelines' first warm-up calls, each on the thread that then times it */
    private record Throughput(double facesPerSecond, double p50Ms, double p99Ms, double firstCallMs) {}

    /**
     * {@code faces} faces in calls of {@code batch}, shared among the pipelines, one thread each. Each thread
     * warms its pipeline up first (3 calls: TorchScript's profiling executor optimises a shape on its first
     * calls, and libtorch sets up per-thread state, e.g. on a GPU, on a thread's first call); the clock starts
     * when all are warm.
     */
    private static Throughput time(int faces, int batch, List<Pipeline> pipelines, List<ProfileUpload> uploads) throws Exception {
        int calls = Math.max(pipelines.size(), faces / batch);
        double[] perFace = new double[calls];
        double[] firstCall = new double[pipelines.size()];
        AtomicInteger next = new AtomicInteger();
        CyclicBarrier warm = new CyclicBarrier(pipelines.size() + 1);
        ExecutorService pool = Executors.newFixedThreadPool(pipelines.size());
        long start;
        try {
            List<Future<?>> running = new ArrayList<>();
            for (int w = 0; w < pipelines.size(); w++) {
                Pipeline p = pipelines.get(w);
                int worker = w;
                running.add(pool.submit(() -> {
                    try {
                        for (int i = 0; i < 3; i++) {
                            long at = System.nanoTime();
                            p.embedder.embed(uploads);
                            if (i == 0) {
                                firstCall[worker] = (System.nanoTime() - at) / 1e6;
                            }
                        }
                    } catch (RuntimeException e) {
                        warm.reset(); // the others and the clock stop waiting
                        throw e;
                    }
                    warm.await();
                    for (int i = next.getAndIncrement(); i < calls; i = next.getAndIncrement()) {
                        long at = System.nanoTime();
                        List<PhotoEmbedder.Outcome> out = p.embedder.embed(uploads);
                        if (!(out.get(0) instanceof PhotoEmbedder.Embedded)) {
                            throw new IllegalStateException("the sample photo was not embedded: " + out.get(0));
                        }
                        perFace[i] = (System.nanoTime() - at) / 1e6 / batch;
                    }
                    return null;
                }));
            }
            warm.await();
            start = System.nanoTime();
            for (Future<?> f : running) {
                f.get();
            }
        } finally {
            pool.shutdown();
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        Arrays.sort(perFace);
        return new Throughput(calls * batch / seconds, perFace[calls / 2],
                perFace[Math.min(calls - 1, (int) Math.ceil(calls * 0.99) - 1)], Arrays.stream(firstCall).max().orElse(0));
    }

    /** The index of the face in {@code faces} whose box overlaps {@code face} most, or {@code fallback} if none does. */
    private static int closest(List<DetectedFace> faces, DetectedFace face, int fallback) {
        int best = fallback;
        double bestIou = 0;
        for (int i = 0; i < faces.size(); i++) {
            double iou = faces.get(i).iou(face);
            if (iou > bestIou) {
                bestIou = iou;
                best = i;
            }
        }
        return best;
    }

    /** How close the faces both maps hold are: how many, the lowest and the mean cosine, and who lacks which. */
    private static String agreement(Map<String, float[]> expected, Map<String, float[]> actual) {
        double lowest = 1;
        double sum = 0;
        int both = 0;
        for (Map.Entry<String, float[]> e : expected.entrySet()) {
            float[] v = actual.get(e.getKey());
            if (v != null) {
                double cos = Cosine.of(e.getValue(), v);
                lowest = Math.min(lowest, cos);
                sum += cos;
                both++;
            }
        }
        return String.format("%d faces in both (%d / %d found), cosine lowest %.7f, mean %.7f", both, expected.size(), actual.size(),
                lowest, both == 0 ? Double.NaN : sum / both);
    }

    private static String gpuName() {
        try {
            return "compute capability " + CudaUtils.getComputeCapability(0) + ", CUDA " + CudaUtils.getCudaVersionString();
        } catch (RuntimeException | UnsatisfiedLinkError e) {
            return "no CUDA details: " + e.getMessage();
        }
    }

    private static ProfileUpload upload(byte[] photo) {
        return ProfileUpload.newBuilder()
                .setEventId("bench").setUserId("bench")
                .setPhoto(ByteBuffer.wrap(photo)).setPhotoUri(null).setPhotoFormat(PhotoFormat.JPEG)
                .setGender(Gender.F).setSeeking(List.of(Gender.M)).setAge(30).setLat(0).setLon(0)
                .setMinAge(18).setMaxAge(99).setMaxDistanceKm(50).setTimestamp(Instant.EPOCH)
                .build();
    }

    private static float[] floats(List<Float> values) {
        float[] v = new float[values.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = values.get(i);
        }
        return v;
    }


    /** One line a photo: its file name, a tab, the vector's components separated by commas. */
    private static void writeVectors(Path file, Map<String, float[]> vectors) throws Exception {
        StringBuilder text = new StringBuilder();
        vectors.forEach((name, v) -> {
            text.append(name).append('\t');
            for (int i = 0; i < v.length; i++) {
                text.append(i == 0 ? "" : ",").append(v[i]);
            }
            text.append('\n');
        });
        Files.writeString(file, text, StandardCharsets.UTF_8);
    }

    private static Map<String, float[]> readVectors(Path file) throws Exception {
        Map<String, float[]> vectors = new LinkedHashMap<>();
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            String[] parts = line.split("\t", 2);
            String[] values = parts[1].split(",");
            float[] v = new float[values.length];
            for (int i = 0; i < v.length; i++) {
                v[i] = Float.parseFloat(values[i]);
            }
            vectors.put(parts[0], v);
        }
        return vectors;
    }
}
