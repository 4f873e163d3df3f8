package io.matchstream.index.vector;

import java.nio.file.Path;

/** Where the index sink and the query service get their {@link VectorIndex}: the planner over a Faiss index. */
public final class VectorIndexes {
    private VectorIndexes() {}

    /** An empty index as {@code config} describes ({@link VectorIndexConfig#defaults} for the measured defaults). */
    public static FilterAwareIndex open(VectorIndexConfig config) {
        return new FilterAwareIndex(FaissIndex.create(config));
    }

    /** An index saved by {@link VectorIndex#save}; search and training knobs from {@code config}. */
    public static FilterAwareIndex load(Path file, VectorIndexConfig config) {
        return new FilterAwareIndex(FaissIndex.load(file, config));
    }
}
