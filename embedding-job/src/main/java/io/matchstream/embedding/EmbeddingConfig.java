package io.matchstream.embedding;

import io.matchstream.schemas.flink.JobFlags;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * The embedding job's knobs, read from {@code --flag value} arguments, then {@code MATCHSTREAM_*}
 * environment variables, then defaults.
 *
 * <ul>
 *   <li>{@code --face-model} / {@code MATCHSTREAM_FACE_MODEL}: the TorchScript face encoder written by
 *       {@code models/setup.sh}; default {@code ~/.cache/matchstream/models/face_recognition.pt}.</li>
 *   <li>{@code --face-detector} / {@code MATCHSTREAM_FACE_DETECTOR}: the TorchScript face detector written
 *       by {@code models/setup.sh}; default {@code ~/.cache/matchstream/models/tiny_face_detector.pt}.</li>
 *   <li>{@code --face-landmarks} / {@code MATCHSTREAM_FACE_LANDMARKS}: the TorchScript 68-point face landmark
 *       net written by {@code models/setup.sh}; default {@code ~/.cache/matchstream/models/face_landmarks_68.pt}
 *       (face-api's FaceLandmark68Net); {@code face_landmarks_68_tiny.pt} next to it is the faster (3.5
 *       instead of 5.5 ms a face), less precise FaceLandmark68TinyNet.</li>
 *   <li>{@code --face-min-score} / {@code MATCHSTREAM_FACE_MIN_SCORE}: detections scoring at or below this
 *       are dropped; default 0.5 (face-api's).</li>
 *   <li>{@code --face-detector-input-size} / {@code MATCHSTREAM_FACE_DETECTOR_INPUT_SIZE}: the side the
 *       image is resized to, a multiple of 32; default 416 (face-api's). Smaller is faster and misses small
 *       faces.</li>
 *   <li>{@code --face-detector-fit} / {@code MATCHSTREAM_FACE_DETECTOR_FIT}: {@code content} (default) pads
 *       the resized photo only to the next multiple of 32 of each side, {@code square} to the whole square as
 *       face-api does (its exact boxes; the detector then costs a third more on a 640 x 456 photo).</li>
 * </ul>
 */
public record EmbeddingConfig(Path faceModel, Path faceDetector, Path faceLandmarks, double faceMinScore,
        int faceDetectorInputSize, FaceDetector.Fit faceDetectorFit, Job job, Encoder encoder) {

    /**
     * Which encoder embeds the face crops: {@code --encoder dlib} (default: the face descriptor from
     * {@code --face-model}) or {@code --encoder torchscript} with {@code --encoder-model FILE.pt},
     * {@code --encoder-id NAME}, {@code --encoder-input-size S}, {@code --encoder-mean r,g,b},
     * {@code --encoder-std r,g,b} (on RGB scaled to 0..1), {@code --encoder-dim D} and {@code --encoder-batch B}
     * (images per call; 1 for a model traced with batch 1); README shows the
     * values for Qwen3-VL-2B's vision tower.
     */
    public record Encoder(String kind, String model, String id, int inputSize, String mean, String std, int dimension,
            int batch, String projectionHead) {

        /** The trained 512-d head ({@code --projection-head}; {@code none} embeds with the encoder's own vectors). */
        public java.util.Optional<Path> headFile() {
            return projectionHead.equals("none") ? java.util.Optional.empty() : java.util.Optional.of(Path.of(projectionHead));
        }
    }

    /** Opens the configured encoder; the caller closes it. */
    public ImageEncoder openEncoder() {
        if (encoder.kind().equals("dlib")) {
            return DlibFaceEncoder.open(this);
        }
        if (!encoder.kind().equals("torchscript")) {
            throw new IllegalArgumentException("--encoder must be dlib or torchscript, got " + encoder.kind());
        }
        return TorchScriptImageEncoder.open(new TorchScriptImageEncoder.Spec(Path.of(encoder.model()), encoder.id(),
                encoder.inputSize(), floats(encoder.mean()), floats(encoder.std()), encoder.dimension(), encoder.batch()),
                inferenceDevice());
    }

    /** Opens the configured projection head on the inference device, or empty with {@code --projection-head none}. */
    public java.util.Optional<ProjectionHead> openHead() {
        return encoder.headFile().map(file -> ProjectionHead.load(file, inferenceDevice()));
    }

    /** {@code --inference-device} resolved: null for {@code auto} (DJL's default device). */
    public ai.djl.Device inferenceDevice() {
        return InferenceDevice.resolve(job.inferenceDevice());
    }

    private static float[] floats(String csv) {
        String[] parts = csv.split(",");
        float[] values = new float[parts.length];
        for (int i = 0; i < parts.length; i++) {
            values[i] = Float.parseFloat(parts[i].trim());
        }
        return values;
    }

    public static final String JOB_NAME = "matchstream-embedding";

    /**
     * How the job runs, with the same flags as the ingest job: {@code --bootstrap-servers},
     * {@code --registry-url}, {@code --group-id}, {@code --checkpoint-dir}, {@code --checkpoint-interval-ms},
     * {@code --parallelism}, and its own {@code --batch-size} (faces per inference call, default 32: the
     * fewest CPU ms a face in the benchmark; a batch is cut short after {@code --batch-max-wait-ms}, so under
     * light load batches stay small),
     * {@code --batch-max-wait-ms} (default 50), {@code --face-margin} (crop margin per side as a fraction of
     * the box, default 0.25), {@code --ambiguous-area-ratio} (default 0.5) and {@code --centre-crop-fallback}
     * (embed the centre square of a photo without a face instead of dead-lettering it; default false) and
     * {@code --inference-threads} (libtorch's intra-op threads, one setting for the whole process, applied
     * when a task opens; default 1: the tasks, one per core, already use the cores, and with libtorch's pool
     * of one thread per core each task's threads spin and wait on the others': 34-77 against 30-53 ms of CPU
     * a face in the benchmark, batch 32 to 1; 0 keeps libtorch's default) and {@code --inference-device}
     * ({@code auto}, the default: DJL's default device, the first GPU when libtorch is a CUDA build that finds
     * one, else the CPU; or {@code cpu}, {@code gpu}, {@code gpu:N}).
     */
    public record Job(String bootstrapServers, String registryUrl, String groupId, String checkpointDir,
            long checkpointIntervalMs, int parallelism, int batchSize, long batchMaxWaitMs, double faceMargin,
            double ambiguousAreaRatio, boolean centreCropFallback, int inferenceThreads, String inferenceDevice) implements java.io.Serializable {}

    public io.matchstream.schemas.flink.JobEnvironment.Settings jobSettings() {
        return new io.matchstream.schemas.flink.JobEnvironment.Settings(JOB_NAME, job.parallelism(),
                java.time.Duration.ofMillis(job.checkpointIntervalMs()), job.checkpointDir(), "rocksdb");
    }

    private static final Path MODELS = Path.of(System.getProperty("user.home"), ".cache", "matchstream", "models");
    public static final Path DEFAULT_FACE_MODEL = MODELS.resolve("face_recognition.pt");
    public static final Path DEFAULT_FACE_DETECTOR = MODELS.resolve("tiny_face_detector.pt");
    public static final Path DEFAULT_FACE_LANDMARKS = MODELS.resolve("face_landmarks_68.pt");
    /**
     * FaceLandmark68TinyNet: 2 ms a face faster, but not the default: its eye line strays further (on the
     * aligner test's turned demo faces up to 4.2 degrees, where the full net's stays within 3.3).
     */
    public static final Path TINY_FACE_LANDMARKS = MODELS.resolve("face_landmarks_68_tiny.pt");

    /** flag -> environment variable */
    private static final Map<String, String> DEFAULTS = Map.ofEntries(
            Map.entry("bootstrap-servers", "localhost:9092"),
            Map.entry("registry-url", "http://localhost:8085"),
            Map.entry("group-id", JOB_NAME),
            Map.entry("checkpoint-dir", "file://" + System.getProperty("user.dir") + "/.matchstream/data/flink/checkpoints"),
            Map.entry("checkpoint-interval-ms", "1000"),
            Map.entry("parallelism", "2"),
            Map.entry("batch-size", "32"),
            Map.entry("batch-max-wait-ms", "50"),
            Map.entry("face-margin", "0.25"),
            Map.entry("ambiguous-area-ratio", "0.5"),
            Map.entry("centre-crop-fallback", "false"),
            Map.entry("inference-threads", "1"),
            Map.entry("inference-device", "auto"),
            Map.entry("encoder", "dlib"),
            Map.entry("encoder-model", ""),
            Map.entry("encoder-id", "torchscript-image-encoder"),
            Map.entry("encoder-input-size", "448"),
            Map.entry("encoder-mean", "0.5,0.5,0.5"),
            Map.entry("encoder-std", "0.5,0.5,0.5"),
            Map.entry("encoder-dim", "2048"),
            Map.entry("encoder-batch", "1"),
            Map.entry("projection-head", ProjectionHead.DEFAULT_FILE.toString()));
    /** flag -> environment variable */
    private static final Map<String, String> ENV = envNames();

    private static Map<String, String> envNames() {
        Map<String, String> names = new HashMap<>();
        for (String flag : java.util.List.of("face-model", "face-detector", "face-landmarks", "face-min-score",
                "face-detector-input-size", "face-detector-fit")) {
            names.put(flag, "MATCHSTREAM_" + flag.toUpperCase().replace('-', '_'));
        }
        DEFAULTS.keySet().forEach(flag -> names.put(flag, "MATCHSTREAM_" + flag.toUpperCase().replace('-', '_')));
        return Map.copyOf(names);
    }

    public static EmbeddingConfig defaults() {
        return fromFlags(Map.of(), System.getenv());
    }

    public static EmbeddingConfig fromArgs(String[] args) {
        return fromFlags(JobFlags.parse(args), System.getenv());
    }

    public static EmbeddingConfig fromFlags(Map<String, String> flags, Map<String, String> env) {
        for (String flag : flags.keySet()) {
            if (!ENV.containsKey(flag)) {
                throw new IllegalArgumentException("unknown flag --" + flag + "; known: --"
                        + String.join(", --", ENV.keySet().stream().sorted().toList()));
            }
        }
        String faceModel = value("face-model", flags, env);
        String faceDetector = value("face-detector", flags, env);
        String faceLandmarks = value("face-landmarks", flags, env);
        String minScore = value("face-min-score", flags, env);
        String inputSize = value("face-detector-input-size", flags, env);
        String fit = value("face-detector-fit", flags, env);
        return new EmbeddingConfig(
                faceModel == null ? DEFAULT_FACE_MODEL : Path.of(faceModel),
                faceDetector == null ? DEFAULT_FACE_DETECTOR : Path.of(faceDetector),
                faceLandmarks == null ? DEFAULT_FACE_LANDMARKS : Path.of(faceLandmarks),
                minScore == null ? FaceDetector.DEFAULT_MIN_SCORE : Double.parseDouble(minScore),
                inputSize == null ? FaceDetector.DEFAULT_INPUT_SIZE : Integer.parseInt(inputSize),
                fit == null ? FaceDetector.DEFAULT_FIT : FaceDetector.Fit.parse(fit),
                new Job(job("bootstrap-servers", flags, env), job("registry-url", flags, env), job("group-id", flags, env),
                        job("checkpoint-dir", flags, env), Long.parseLong(job("checkpoint-interval-ms", flags, env)),
                        Integer.parseInt(job("parallelism", flags, env)), Integer.parseInt(job("batch-size", flags, env)),
                        Long.parseLong(job("batch-max-wait-ms", flags, env)), Double.parseDouble(job("face-margin", flags, env)),
                        Double.parseDouble(job("ambiguous-area-ratio", flags, env)),
                        Boolean.parseBoolean(job("centre-crop-fallback", flags, env)),
                        Integer.parseInt(job("inference-threads", flags, env)), job("inference-device", flags, env)),
                new Encoder(job("encoder", flags, env), job("encoder-model", flags, env), job("encoder-id", flags, env),
                        Integer.parseInt(job("encoder-input-size", flags, env)), job("encoder-mean", flags, env),
                        job("encoder-std", flags, env), Integer.parseInt(job("encoder-dim", flags, env)),
                        Integer.parseInt(job("encoder-batch", flags, env)), job("projection-head", flags, env)));
    }

    /** A copy with some flags changed, e.g. {@code with(Map.of("bootstrap-servers", "b:9092"))}. */
    public EmbeddingConfig with(Map<String, String> changes) {
        Map<String, String> flags = toFlags();
        flags.putAll(changes);
        return fromFlags(flags, Map.of());
    }

    /** Every setting as a flag; {@code fromFlags(toFlags())} gives this configuration back. */
    public HashMap<String, String> toFlags() {
        HashMap<String, String> flags = new HashMap<>();
        flags.put("face-model", faceModel.toString());
        flags.put("face-detector", faceDetector.toString());
        flags.put("face-landmarks", faceLandmarks.toString());
        flags.put("face-min-score", Double.toString(faceMinScore));
        flags.put("face-detector-input-size", Integer.toString(faceDetectorInputSize));
        flags.put("face-detector-fit", faceDetectorFit.toString());
        flags.put("bootstrap-servers", job.bootstrapServers());
        flags.put("registry-url", job.registryUrl());
        flags.put("group-id", job.groupId());
        flags.put("checkpoint-dir", job.checkpointDir());
        flags.put("checkpoint-interval-ms", Long.toString(job.checkpointIntervalMs()));
        flags.put("parallelism", Integer.toString(job.parallelism()));
        flags.put("batch-size", Integer.toString(job.batchSize()));
        flags.put("batch-max-wait-ms", Long.toString(job.batchMaxWaitMs()));
        flags.put("face-margin", Double.toString(job.faceMargin()));
        flags.put("ambiguous-area-ratio", Double.toString(job.ambiguousAreaRatio()));
        flags.put("centre-crop-fallback", Boolean.toString(job.centreCropFallback()));
        flags.put("inference-threads", Integer.toString(job.inferenceThreads()));
        flags.put("inference-device", job.inferenceDevice());
        flags.put("encoder", encoder.kind());
        flags.put("encoder-model", encoder.model());
        flags.put("encoder-id", encoder.id());
        flags.put("encoder-input-size", Integer.toString(encoder.inputSize()));
        flags.put("encoder-mean", encoder.mean());
        flags.put("encoder-std", encoder.std());
        flags.put("encoder-dim", Integer.toString(encoder.dimension()));
        flags.put("encoder-batch", Integer.toString(encoder.batch()));
        flags.put("projection-head", encoder.projectionHead());
        return flags;
    }

    private static String job(String flag, Map<String, String> flags, Map<String, String> env) {
        String value = value(flag, flags, env);
        return value == null ? DEFAULTS.get(flag) : value;
    }

    private static String value(String flag, Map<String, String> flags, Map<String, String> env) {
        return flags.getOrDefault(flag, env.get(ENV.get(flag)));
    }
}
