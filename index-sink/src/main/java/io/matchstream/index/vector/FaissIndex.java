package io.matchstream.index.vector;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Faiss IVF index (Faiss 1.7.3, AVX2 build, through JNI) plus the raw vectors it was built from.
 *
 * <p>Invariants: the native side stores every vector exactly (exact scans and the re-rank of the IVF
 * pass read them); the IVF index holds the same ids once trained, keyed by the caller's ids (its direct
 * map is a hashtable, so an upsert is remove + add). Until {@link VectorIndexConfig#minTrainVectors()}
 * vectors arrive, or for factory "Flat", search is exact.
 *
 * <p>Drift: every add after training is assigned to its nearest centroid anyway; the binding keeps the mean
 * squared residual ||x - c||^2 of each window of {@link VectorIndexConfig#driftWindow()} adds. When a window's
 * mean exceeds the training sample's by {@link VectorIndexConfig#driftThreshold()}, the centroids no longer
 * describe the data (a new model version's neighbourhoods, a new market's users) and the index retrains
 * (at most once per 10% of growth since the last training).
 *
 * <p>Retraining never blocks searches: the sample is copied under the write lock, k-means runs without a
 * lock, the stored vectors are added to the new index in chunks under the read lock, and ids written in the
 * meantime are replayed when the new index is swapped in under the write lock.
 *
 * <p>Owns one native handle (RocksJava style): freed exactly once by {@link #close()}; a second close is harmless.
 */
public final class FaissIndex implements VectorIndex {
    private static final Logger LOG = LoggerFactory.getLogger(FaissIndex.class);
    private static final int ADD_CHUNK = 16_384;

    private final VectorIndexConfig config;
    private final String factory;
    private final int dimension;
    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    private final AtomicReference<Future<?>> training = new AtomicReference<>();
    private final ExecutorService trainer;
    private long handle;

    private FaissIndex(long handle, VectorIndexConfig config, String factory, int dimension) {
        this.handle = handle;
        this.config = config;
        this.factory = factory;
        this.dimension = dimension;
        this.trainer = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "faiss-trainer");
            t.setDaemon(true);
            return t;
        });
    }

    /** An empty index of {@code config.factory()}; a factory Faiss rejects raises {@link VectorIndexException}. */
    public static FaissIndex create(VectorIndexConfig config) {
        FaissLibrary.load();
        long h = create(config.dimension(), config.factory(), config.driftWindow());
        return new FaissIndex(h, config, config.factory(), config.dimension());
    }

    /** Reads what {@link #save} wrote; factory and dimension come from the file, search knobs from {@code config}. */
    public static FaissIndex load(Path file, VectorIndexConfig config) {
        FaissLibrary.load();
        long h = load(file.toAbsolutePath().toString());
        String[] meta = describe(h);
        int d = Integer.parseInt(meta[1]);
        VectorIndexConfig own = new VectorIndexConfig(d, meta[0], config.nprobe(), config.refineFactor(), config.denseRefineFactor(), config.minScanned(),
                config.exactBelow(), config.exactMaxAdmitted(), config.ivfVisitCost(), config.minTrainVectors(), config.maxTrainVectors(),
                config.driftWindow(), config.driftThreshold(), config.backgroundTraining(), config.seed());
        return new FaissIndex(h, own, meta[0], d);
    }

    /** Where the binding (and setup.sh's other outputs, e.g. the benchmark's C++ baseline) is looked up. */
    public static Path binding() {
        return FaissLibrary.location();
    }

    public VectorIndexConfig config() {
        return config;
    }

    @Override
    public int dimension() {
        return dimension;
    }

    @Override
    public String description() {
        return factory;
    }

    @Override
    public long size() {
        return (long) stats()[0];
    }

    public boolean isTrained() {
        return stats()[1] != 0;
    }

    /** Completed trainings (the first included). */
    public long trainings() {
        return (long) stats()[3];
    }

    /** Last complete drift window's mean residual over the training baseline; NaN before the first window. */
    public double driftRatio() {
        double[] s = stats();
        return s[5] / s[4];
    }

    /** Native bytes held: stored vectors, id tables, IVF codes and ids, centroids (approximate for the hashtable). */
    public long nativeBytes() {
        lock.readLock().lock();
        try {
            return nativeBytes(live());
        } finally {
            lock.readLock().unlock();
        }
    }

    @Override
    public void upsert(long id, float[] vector) {
        upsertAll(new long[] {id}, vector);
    }

    /** Batch upsert: {@code vectors} holds ids.length rows of {@link #dimension()} floats (one IVF assignment call). */
    public void upsertAll(long[] ids, float[] vectors) {
        if (vectors.length != (long) ids.length * dimension) {
            throw new VectorIndexException("vectors have " + vectors.length + " floats, expected " + ids.length + " x " + dimension + " dimensions");
        }
        lock.writeLock().lock();
        try {
            upsert(live(), ids, vectors);
        } finally {
            lock.writeLock().unlock();
        }
        maybeTrain();
    }

    @Override
    public boolean remove(long id) {
        lock.writeLock().lock();
        try {
            return remove(live(), id);
        } finally {
            lock.writeLock().unlock();
        }
    }

    /** IVF pass with the configured nprobe and refine (exact until trained). Prefer {@link FilterAwareIndex}. */
    @Override
    public Hits search(float[] query, int k, IdFilter admitted) {
        return searchIndexed(query, k, admitted, config.nprobe(), config.refineFactor());
    }

    @Override
    public float[][] vectors(long[] ids) {
        float[] flat = new float[Math.multiplyExact(ids.length, dimension)];
        lock.readLock().lock();
        try {
            vectors(live(), ids, flat);
        } finally {
            lock.readLock().unlock();
        }
        float[][] out = new float[ids.length][];
        for (int i = 0; i < ids.length; i++) {
            if (!Float.isNaN(flat[i * dimension])) {
                out[i] = Arrays.copyOfRange(flat, i * dimension, (i + 1) * dimension);
            }
        }
        return out;
    }

    /** Exact inner-product scan over the stored vectors of the admitted ids. */
    public Hits searchExact(float[] query, int k, IdFilter admitted) {
        return scan(query, k, admitted, 0);
    }

    /**
     * The planner's scan over the admitted ids: each is scored from an 8-bit copy of its vector (a quarter of
     * the bytes), and the best {@code shortlist} are re-scored exactly; exact whenever the filter admits at most
     * {@code shortlist} ids. Without a filter, the exact scan.
     */
    public Hits searchQuantized(float[] query, int k, IdFilter admitted, int shortlist) {
        if (shortlist < k) throw new IllegalArgumentException("shortlist " + shortlist + " is smaller than k " + k);
        return scan(query, k, admitted, shortlist);
    }

    private Hits scan(float[] query, int k, IdFilter admitted, int shortlist) {
        checkQuery(query, k);
        long[] ids = new long[k];
        float[] scores = new float[k];
        lock.readLock().lock();
        int n;
        try {
            Near near = admitted == null ? null : admitted.near();
            n = near == null
                    ? searchExact(live(), query, k, admitted == null ? null : admitted.words(), null, 0, 0, 0, 0, shortlist, ids, scores)
                    : searchExact(live(), query, k, admitted.words(), near.points(), near.x(), near.y(), near.z(), near.minDot(), shortlist,
                            ids, scores);
        } finally {
            lock.readLock().unlock();
        }
        return hits(ids, scores, n);
    }

    /** IVF search with an ID selector over the admitted ids, k * refine candidates re-ranked exactly. */
    public Hits searchIndexed(float[] query, int k, IdFilter admitted, int nprobe, int refine) {
        checkQuery(query, k);
        long[] ids = new long[k];
        float[] scores = new float[k];
        lock.readLock().lock();
        int n;
        try {
            Near near = admitted == null ? null : admitted.near();
            n = near == null
                    ? searchIndex(live(), query, k, admitted == null ? null : admitted.words(), null, 0, 0, 0, 0, nprobe, refine, ids, scores)
                    : searchIndex(live(), query, k, admitted.words(), near.points(), near.x(), near.y(), near.z(), near.minDot(),
                            nprobe, refine, ids, scores);
        } finally {
            lock.readLock().unlock();
        }
        return hits(ids, scores, n);
    }

    @Override
    public void save(Path file) {
        lock.readLock().lock();
        try {
            save(live(), file.toAbsolutePath().toString());
        } finally {
            lock.readLock().unlock();
        }
    }

    /** Trains (or retrains) now on the calling thread, whatever the thresholds say. */
    public void train() {
        awaitTraining();
        runTraining();
    }

    /** Waits for a background training in progress, if any. */
    public void awaitTraining() {
        Future<?> f = training.get();
        if (f == null) {
            return;
        }
        try {
            f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (java.util.concurrent.ExecutionException e) {
            throw new VectorIndexException("training failed: " + e.getCause().getMessage(), e.getCause());
        }
    }

    @Override
    public void close() {
        trainer.shutdown();
        lock.writeLock().lock();
        try {
            if (handle != 0) {
                free(handle);
                handle = 0;
            }
        } finally {
            lock.writeLock().unlock();
        }
    }

    private void maybeTrain() {
        if (factory.equals("Flat")) {
            return;
        }
        Future<?> running = training.get();
        if (running != null && !running.isDone()) {
            return;
        }
        double[] s = stats();
        boolean first = s[1] == 0 && s[0] >= config.minTrainVectors();
        // At most one drift retrain per 10% growth: a new population stays above the baseline until it is a
        // sizeable share of the sample, and retraining every window meanwhile would only burn CPU.
        boolean drifted = s[1] != 0 && s[5] / s[4] > config.driftThreshold() && s[6] >= Math.max(config.driftWindow(), s[2] / 10);
        if (!first && !drifted) {
            return;
        }
        if (drifted) {
            LOG.info("vector index drifted (window residual {} x training's): retraining", String.format("%.2f", s[5] / s[4]));
        }
        if (config.backgroundTraining()) {
            java.util.concurrent.FutureTask<Void> task = new java.util.concurrent.FutureTask<>(this::runTraining, null);
            if (training.compareAndSet(running, task)) {
                trainer.execute(task);
            }
        } else {
            runTraining();
        }
    }

    private void runTraining() {
        long job;
        lock.writeLock().lock();
        try {
            if (handle == 0) {
                return;
            }
            job = beginTraining(handle, config.maxTrainVectors(), config.seed());
        } finally {
            lock.writeLock().unlock();
        }
        long started = System.nanoTime();
        try {
            trainJob(job);
            long next = 0;
            while (next >= 0) {
                lock.readLock().lock();
                try {
                    if (handle == 0) {
                        return;
                    }
                    next = addChunk(handle, job, ADD_CHUNK);
                } finally {
                    lock.readLock().unlock();
                }
            }
            lock.writeLock().lock();
            try {
                if (handle != 0) {
                    install(handle, job);
                }
            } finally {
                lock.writeLock().unlock();
            }
            LOG.info("vector index {} trained on {} vectors in {} ms", factory, size(), (System.nanoTime() - started) / 1_000_000);
        } catch (RuntimeException e) {
            lock.writeLock().lock();
            try {
                if (handle != 0) {
                    abortTraining(handle);
                }
            } finally {
                lock.writeLock().unlock();
            }
            throw e;
        } finally {
            freeJob(job);
        }
    }

    private double[] stats() {
        double[] s = new double[7];
        lock.readLock().lock();
        try {
            stats(live(), s);
        } finally {
            lock.readLock().unlock();
        }
        return s;
    }

    private long live() {
        if (handle == 0) {
            throw new VectorIndexException("index is closed");
        }
        return handle;
    }

    private void checkQuery(float[] query, int k) {
        if (query.length != dimension) {
            throw new VectorIndexException("query has " + query.length + " dimensions, index has " + dimension);
        }
        if (k <= 0) {
            throw new VectorIndexException("k must be positive, got " + k);
        }
    }

    private static Hits hits(long[] ids, float[] scores, int n) {
        return n == ids.length ? new Hits(ids, scores) : new Hits(Arrays.copyOf(ids, n), Arrays.copyOf(scores, n));
    }

    private static String[] describe(long handle) {
        String d = describeNative(handle);
        int sep = d.lastIndexOf('/');
        return new String[] {d.substring(0, sep), d.substring(sep + 1)};
    }

    private static native long create(int dimension, String factory, int driftWindow);

    private static native long load(String path);

    private static native String describeNative(long handle);

    private static native void free(long handle);

    private static native void stats(long handle, double[] out);

    private static native long nativeBytes(long handle);

    private static native void upsert(long handle, long[] ids, float[] vectors);

    private static native boolean remove(long handle, long id);

    private static native void vectors(long handle, long[] ids, float[] out);

    private static native int searchExact(long handle, float[] query, int k, long[] words, java.nio.ByteBuffer points,
            double x, double y, double z, double minDot, int shortlist, long[] outIds, float[] outScores);

    private static native int searchIndex(long handle, float[] query, int k, long[] words, java.nio.ByteBuffer points,
            double x, double y, double z, double minDot, int nprobe, int refine, long[] outIds, float[] outScores);

    private static native void save(long handle, String path);

    private static native long beginTraining(long handle, int maxSample, long seed);

    private static native void trainJob(long job);

    private static native long addChunk(long handle, long job, int chunk);

    private static native void install(long handle, long job);

    private static native void abortTraining(long handle);

    private static native void freeJob(long job);
}
