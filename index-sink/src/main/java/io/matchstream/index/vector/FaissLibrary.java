package io.matchstream.index.vector;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Loads the JNI binding that {@code index-sink/native/setup.sh} builds. Looked up, in order: system property
 * {@code matchstream.faiss.lib}, environment {@code MATCHSTREAM_FAISS_LIB}, then
 * {@code $MATCHSTREAM_FAISS_DIR/libmatchstream_faiss.so} (default {@code ~/.cache/matchstream/faiss}).
 */
final class FaissLibrary {
    private static volatile boolean loaded;

    private FaissLibrary() {}

    static Path location() {
        String explicit = System.getProperty("matchstream.faiss.lib", System.getenv("MATCHSTREAM_FAISS_LIB"));
        if (explicit != null && !explicit.isBlank()) {
            return Path.of(explicit);
        }
        String dir = System.getenv("MATCHSTREAM_FAISS_DIR");
        Path base = dir != null && !dir.isBlank() ? Path.of(dir) : Path.of(System.getProperty("user.home"), ".cache", "matchstream", "faiss");
        return base.resolve("libmatchstream_faiss.so");
    }

    static void load() {
        if (loaded) {
            return;
        }
        synchronized (FaissLibrary.class) {
            if (loaded) {
                return;
            }
            Path lib = location().toAbsolutePath();
            if (!Files.isRegularFile(lib)) {
                throw new VectorIndexException("the Faiss binding " + lib + " is missing: run ./matchstream setup "
                        + "(or index-sink/native/setup.sh), or point -Dmatchstream.faiss.lib / MATCHSTREAM_FAISS_LIB at it");
            }
            try {
                System.load(lib.toString());
            } catch (UnsatisfiedLinkError e) {
                throw new VectorIndexException("cannot load the Faiss binding " + lib + " (rerun ./matchstream setup): " + e.getMessage(), e);
            }
            loaded = true;
        }
    }
}
