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
 * </ul>
 */
public record EmbeddingConfig(Path faceModel) {

    public static final Path DEFAULT_FACE_MODEL =
            Path.of(System.getProperty("user.home"), ".cache", "matchstream", "models", "face_recognition.pt");

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
            if (!flag.equals("face-model")) {
                throw new IllegalArgumentException("unknown flag --" + flag + "; known: --face-model");
            }
        }
        String faceModel = flags.getOrDefault("face-model", env.get("MATCHSTREAM_FACE_MODEL"));
        return new EmbeddingConfig(faceModel == null ? DEFAULT_FACE_MODEL : Path.of(faceModel));
    }
}
