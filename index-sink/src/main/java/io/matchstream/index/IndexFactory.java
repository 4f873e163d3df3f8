package io.matchstream.index;

import io.matchstream.index.vector.ExactIndex;
import io.matchstream.index.vector.VectorIndex;
import io.matchstream.index.vector.VectorIndexConfig;
import io.matchstream.index.vector.VectorIndexes;
import java.nio.file.Path;

/**
 * Makes and reloads the vector index of one model version. The sink and the query service only see
 * {@link VectorIndex}; which implementation runs is the {@code --index-type} flag, resolved here.
 */
public interface IndexFactory {

    VectorIndex create(int dimension);

    /** Reads an index of {@code dimension}-d vectors written by {@link VectorIndex#save}. */
    VectorIndex load(Path file, int dimension);

    /**
     * The factory for {@code --index-type}. {@code faiss} (the default): the filter-aware planner over Faiss
     * ({@link VectorIndexes}; exact scans until enough vectors arrive to train the IVF quantiser, knobs from
     * {@code MATCHSTREAM_INDEX_*}, README "Vector index (Faiss)"). {@code exact}: {@link ExactIndex}, exact
     * inner product on the heap, no native library.
     */
    static IndexFactory forType(String indexType) {
        return switch (indexType) {
            case "exact" -> new IndexFactory() {
                @Override
                public VectorIndex create(int dimension) {
                    return new ExactIndex(dimension);
                }

                @Override
                public VectorIndex load(Path file, int dimension) {
                    return ExactIndex.load(file);
                }
            };
            case "faiss" -> new IndexFactory() {
                @Override
                public VectorIndex create(int dimension) {
                    return VectorIndexes.open(config(dimension));
                }

                @Override
                public VectorIndex load(Path file, int dimension) {
                    return VectorIndexes.load(file, config(dimension));
                }

                private VectorIndexConfig config(int dimension) {
                    return VectorIndexConfig.from(System.getenv(), VectorIndexConfig.defaults(dimension));
                }
            };
            default -> throw new IllegalArgumentException("unknown --index-type '" + indexType + "'; known: faiss, exact");
        };
    }
}
