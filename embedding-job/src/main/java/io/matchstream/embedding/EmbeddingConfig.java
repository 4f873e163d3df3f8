package io.matchstream.embedding;

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
 *   <li>{@code --face-min-score} / {@code MATCHSTREAM_FACE_MIN_SCORE}: detections scoring at or below this
 *       are dropped; default 0.5 (face-api's).</li>
 *   <li>{@code --face-detector-input-size} / {@code MATCHSTREAM_FACE_DETECTOR_INPUT_SIZE}: the side the
 *       image is resized to, a multiple of 32; default 416 (face-api's). Smaller is faster and misses small
 *       faces.</li>
 * </ul>
 */
public record EmbeddingConfig(Path faceModel, Path faceDetector, double faceMinScore, int faceDetectorInputSize) {

    private static final Path MODELS = Path.of(System.getProperty("user.home"), ".cache", "matchstream", "models");
    public static final Path DEFAULT_FACE_MODEL = MODELS.resolve("face_recognition.pt");
    public static final Path DEFAULT_FACE_DETECTOR = MODELS.resolve("tiny_face_detector.pt");

    /** flag -> environment variable */
    private static final Map<String, String> ENV = Map.of(
            "face-model", "MATCHSTREAM_FACE_MODEL",
            "face-detector", "MATCHSTREAM_FACE_DETECTOR",
            "face-min-score", "MATCHSTREAM_FACE_MIN_SCORE",
            "face-detector-input-size", "MATCHSTREAM_FACE_DETECTOR_INPUT_SIZE");

    public static EmbeddingConfig defaults() {
        return fromFlags(Map.of(), System.getenv());
    }

    public static EmbeddingConfig fromArgs(String[] args) {
        Map<String, String> flags = new HashMap<>();
        for (int i = 0; i < args.length; i++) {
            if (!args[i].startsWith("--") || i + 1 >= args.length) {
                throw new IllegalArgumentException("expected --flag value pairs, got: " + args[i]);
            }
            flags.put(args[i].substring(2), args[++i]);
        }
        return fromFlags(flags, System.getenv());
    }

    static EmbeddingConfig fromFlags(Map<String, String> flags, Map<String, String> env) {
        for (String flag : flags.keySet()) {
            if (!ENV.containsKey(flag)) {
                throw new IllegalArgumentException("unknown flag --" + flag + "; known: --"
                        + String.join(", --", ENV.keySet().stream().sorted().toList()));
            }
        }
        String faceModel = value("face-model", flags, env);
        String faceDetector = value("face-detector", flags, env);
        String minScore = value("face-min-score", flags, env);
        String inputSize = value("face-detector-input-size", flags, env);
        return new EmbeddingConfig(
                faceModel == null ? DEFAULT_FACE_MODEL : Path.of(faceModel),
                faceDetector == null ? DEFAULT_FACE_DETECTOR : Path.of(faceDetector),
                minScore == null ? FaceDetector.DEFAULT_MIN_SCORE : Double.parseDouble(minScore),
                inputSize == null ? FaceDetector.DEFAULT_INPUT_SIZE : Integer.parseInt(inputSize));
    }

    private static String value(String flag, Map<String, String> flags, Map<String, String> env) {
        return flags.getOrDefault(flag, env.get(ENV.get(flag)));
    }
}
