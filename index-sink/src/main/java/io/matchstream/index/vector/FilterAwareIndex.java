package io.matchstream.index.vector;

import java.nio.file.Path;
import java.util.concurrent.atomic.LongAdder;

/**
 * The search planner the query service calls: picks, per query, between an exact scan over the admitted ids
 * and the IVF index with an ID selector, from the filter's selectivity ({@link IdFilter#admittedCount()} /
 * {@link #size()}).
 *
 * <ul>
 *   <li>Few admitted (at most {@link VectorIndexConfig#exactMaxAdmitted()}, or a fraction under
 *       {@link VectorIndexConfig#exactBelow()}, or fewer than the IVF pass would visit list entries, weighed by
 *       {@link VectorIndexConfig#ivfVisitCost()}), or the index not trained yet: a scan of just those ids
 *       ({@link #scan}: each scored from an 8-bit copy of its vector, the best {@link #scanShortlist} re-scored
 *       exactly). It is cheap there, where IVF lists hold too few admitted ids to fill k, and exact but for
 *       near-ties the 8-bit scores misorder beyond the shortlist.</li>
 *   <li>Otherwise: IVF search with the bitmap as ID selector, k x {@link #refine} candidates re-ranked exactly
 *       (deeper when most ids are admitted); nprobe grows as the filter gets more selective, so the probed
 *       lists hold {@link VectorIndexConfig#minScanned()} admitted ids.</li>
 *   <li>If the IVF pass returns fewer than min(k, admitted) hits (fewer than k when the count is an estimate, with
 *       a condition left to the index), the query is answered by the exact scan, so a result holds k hits whenever
 *       k admitted vectors exist.</li>
 * </ul>
 */
public final class FilterAwareIndex implements VectorIndex {
    /** What the planner did for one query (metrics, tests, the benchmark); EXACT is {@link #scan}. */
    public enum Plan { EXACT, INDEX, INDEX_THEN_EXACT }

    /**
     * The exact plan's shortlist: k x this, at least {@link #SCAN_SHORTLIST_MIN}. An 8-bit score is off by about
     * 3e-4 for unit vectors in 512-d (per-vector scale), a few near-ties at most, and re-scoring 128 vectors costs
     * about 30 us.
     */
    static final int SCAN_SHORTLIST_FACTOR = 4;
    static final int SCAN_SHORTLIST_MIN = 128;

    private final FaissIndex index;
    private final VectorIndexConfig config;
    private final LongAdder exactPlans = new LongAdder();
    private final LongAdder indexPlans = new LongAdder();
    private final LongAdder fallbacks = new LongAdder();

    public FilterAwareIndex(FaissIndex index) {
        this.index = index;
        this.config = index.config();
    }

    /** The underlying index (training state, batch upserts, native bytes). */
    public FaissIndex faiss() {
        return index;
    }

    @Override
    public int dimension() {
        return index.dimension();
    }

    @Override
    public String description() {
        return "planned(" + index.description() + ")";
    }

    @Override
    public long size() {
        return index.size();
    }

    @Override
    public void upsert(long id, float[] vector) {
        index.upsert(id, vector);
    }

    @Override
    public boolean remove(long id) {
        return index.remove(id);
    }

    @Override
    public float[][] vectors(long[] ids) {
        return index.vectors(ids);
    }

    @Override
    public Hits search(float[] query, int k, IdFilter admitted) {
        long size = index.size();
        long count = admitted == null ? size : Math.min(admitted.admittedCount(), size);
        Plan plan = plan(count, size);
        if (plan == Plan.EXACT) {
            exactPlans.increment();
            return scan(query, k, admitted);
        }
        indexPlans.increment();
        Hits hits = index.searchIndexed(query, k, admitted, nprobe(count, size), refine(count, size));
        // With a condition checked lazily (a radius), the count is a sample's estimate and may be under the truth:
        // fewer than k hits then means the scan must tell whether more qualify.
        long expected = admitted != null && admitted.near() != null ? k : Math.min(k, count);
        if (hits.size() < expected) {
            fallbacks.increment();
            return scan(query, k, admitted);
        }
        return hits;
    }

    /**
     * The exact plan: with a filter, the 8-bit scan of the admitted ids with its best {@link #scanShortlist(int)}
     * re-scored from the float vectors (exact when no more are admitted); without one, the float scan.
     */
    public Hits scan(float[] query, int k, IdFilter admitted) {
        return index.searchQuantized(query, k, admitted, scanShortlist(k));
    }

    /** Candidates the exact plan's 8-bit scan passes to the exact re-score for an answer of k. */
    public int scanShortlist(int k) {
        return Math.max(k * SCAN_SHORTLIST_FACTOR, SCAN_SHORTLIST_MIN);
    }

    /** The plan for a filter admitting {@code admitted} of {@code size} ids (before any fallback). */
    public Plan plan(long admitted, long size) {
        if (!index.isTrained() || admitted <= config.exactMaxAdmitted() || admitted < config.exactBelow() * size) {
            return Plan.EXACT;
        }
        // Cost-based beyond the configured floors: the scan scores every admitted vector (a 516-byte read of its
        // 8-bit copy at 512-d, prefetched); the IVF pass visits every entry of the nprobe lists it probes (an id, a
        // bit of the filter). nprobe grows as the filter narrows, so below some thousands admitted at 1M profiles
        // the scan is the cheaper one, and all but exact. The default weight (1/32) was measured at 1M x 512-d with
        // the float scan: QueryBench's slowest askers, both plans timed for the same filter, crossed at about 4,000.
        // The 8-bit scan, timed the same way (warm, 21 times in a row), crosses at about 5,400 (1/16), but with
        // 1/16 the benchmark's cold queries had a worse p99 in three runs of four, so the weight stays.
        int nlist = config.nlist();
        double visited = nlist == 0 ? size : (double) nprobe(admitted, size) * size / nlist;
        return admitted <= config.ivfVisitCost() * visited ? Plan.EXACT : Plan.INDEX;
    }

    /**
     * nprobe for a filter admitting {@code admitted} of {@code size}: the configured one, or more so that the
     * probed lists hold about {@link VectorIndexConfig#minScanned()} admitted ids between them.
     */
    public int nprobe(long admitted, long size) {
        return nprobeScanning(admitted, config.minScanned());
    }

    /** The same for another {@code minScanned} (the benchmark compares settings on one index). */
    public int nprobeScanning(long admitted, int minScanned) {
        int nlist = config.nlist();
        if (nlist == 0 || admitted <= 0) {
            return config.nprobe();
        }
        long needed = (long) Math.ceil((double) minScanned * nlist / admitted);
        return (int) Math.min(nlist, Math.max(config.nprobe(), needed));
    }

    /** Shortlist depth (candidates / k) for a filter admitting {@code admitted} of {@code size}. */
    public int refine(long admitted, long size) {
        double fraction = size == 0 ? 1 : (double) admitted / size;
        return Math.max(config.refineFactor(), (int) Math.ceil(config.denseRefineFactor() * fraction));
    }

    /** Queries answered by each plan so far: exact, index, index then exact. */
    public long[] planCounts() {
        return new long[] {exactPlans.sum(), indexPlans.sum(), fallbacks.sum()};
    }

    @Override
    public void save(Path file) {
        index.save(file);
    }

    @Override
    public void close() {
        index.close();
    }
}
