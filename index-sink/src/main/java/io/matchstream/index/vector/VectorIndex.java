package io.matchstream.index.vector;

/**
 * A similarity index over L2-normalised vectors of one model version, scored by inner product.
 * Ids are dense non-negative longs handed out by the caller (the attribute store maps user ids to them).
 * Implementations own native memory and free it exactly once in {@link #close()}; a Faiss error
 * surfaces as {@link VectorIndexException}, never as a crash.
 */
public interface VectorIndex extends AutoCloseable {

    int dimension();

    /** Faiss factory string ("Flat", "IVF1024,PQ32", ...) or the implementation's own name. */
    String description();

    /** Vectors currently searchable. */
    long size();

    /** Inserts or replaces the vector stored under {@code id}. */
    void upsert(long id, float[] vector);

    /** Removes {@code id}; false when it was not there. */
    boolean remove(long id);

    /**
     * The {@code k} highest-scoring vectors among the ids {@code admitted} lets through (null: all),
     * best first. Holds k hits whenever k admitted vectors exist.
     */
    Hits search(float[] query, int k, IdFilter admitted);

    /** Writes the index to {@code file} (the caller makes it atomic by renaming a temp file). */
    void save(java.nio.file.Path file);

    @Override
    void close();

    /** Best-first ids and their inner-product scores; same length. */
    record Hits(long[] ids, float[] scores) {
        public int size() {
            return ids.length;
        }
    }

    /** Which ids a search may return: a bitmap over ids, with its population count. */
    record IdFilter(long[] words, long admittedCount) {
        public boolean admits(long id) {
            int w = (int) (id >>> 6);
            return w < words.length && (words[w] & (1L << id)) != 0;
        }
    }
}
