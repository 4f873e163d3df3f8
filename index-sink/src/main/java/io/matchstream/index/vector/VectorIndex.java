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

    /**
     * The vectors stored under {@code ids}, in order, as {@link #upsert} stored them (null for an id without
     * one): the query service re-ranks its candidates with them.
     */
    float[][] vectors(long[] ids);

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

    /**
     * Which ids a search may return: those set in a bitmap over ids and, when {@code near} is given, whose
     * point lies near a centre (checked lazily, only for the ids a search visits). {@code admittedCount} is
     * the exact number of such ids without {@code near}, an estimate with it (what a planner needs).
     */
    record IdFilter(long[] words, long admittedCount, Near near) {
        public IdFilter(long[] words, long admittedCount) {
            this(words, admittedCount, null);
        }

        public boolean admits(long id) {
            int w = (int) (id >>> 6);
            return w < words.length && (words[w] & (1L << id)) != 0 && (near == null || near.admits(id));
        }
    }

    /**
     * Ids whose point on the unit sphere ({@code points}: a direct buffer of x, y, z doubles per id, native
     * byte order) has a dot product of at least {@code minDot} with the centre (x, y, z): within an angle
     * of it, e.g. within a radius on Earth.
     */
    record Near(java.nio.ByteBuffer points, double x, double y, double z, double minDot) {
        public Near {
            if (!points.isDirect() || points.order() != java.nio.ByteOrder.nativeOrder()) {
                throw new IllegalArgumentException("points must be a direct buffer in native byte order");
            }
        }

        public boolean admits(long id) {
            long at = id * 24;
            return at + 24 <= points.capacity()
                    && admits(points.getDouble((int) at), points.getDouble((int) at + 8), points.getDouble((int) at + 16));
        }

        /** Whether the point (px, py, pz) on the unit sphere is within the angle: the check {@link #admits(long)} makes. */
        public boolean admits(double px, double py, double pz) {
            return px * x + py * y + pz * z >= minDot;
        }
    }
}
