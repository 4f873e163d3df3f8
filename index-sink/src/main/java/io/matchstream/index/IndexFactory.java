package io.matchstream.index;

import io.matchstream.index.vector.ExactIndex;
import io.matchstream.index.vector.VectorIndex;
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
     * The factory for {@code --index-type}. {@code exact}: {@link ExactIndex}, exact inner product on the heap.
     * The Faiss planner (issue #9, index-native branch) plugs in here as one more case.
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
            default -> throw new IllegalArgumentException("unknown --index-type '" + indexType + "'; known: exact");
        };
    }
}
