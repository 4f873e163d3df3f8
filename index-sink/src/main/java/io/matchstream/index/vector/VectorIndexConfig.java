package io.matchstream.index.vector;

import java.util.Map;
import java.util.function.Function;

/**
 * How the vector index is built and searched. Defaults are the ones the benchmark chose
 * ({@code ./matchstream bench index}, README "Vector index (Faiss)"); each is read from
 * {@code MATCHSTREAM_INDEX_*} environment variables or the same keys as properties ({@link #from}).
 *
 * @param dimension            embedding dimension (one model version per index)
 * @param factory              Faiss factory string: an IVF index without fast-scan ("IVF1024,PQ32"), or "Flat"
 * @param nprobe               inverted lists scanned per query when most ids are admitted
 * @param refineFactor         the index returns at least k * refineFactor candidates, re-ranked exactly from stored vectors
 * @param denseRefineFactor    the same with every id admitted, scaled down linearly with the admitted fraction
 *                             (never below refineFactor): the denser the admitted set, the more near-ties within
 *                             one inverted list the PQ codes cannot order, so the shortlist must be deeper
 * @param minScanned           admitted ids the probed lists should hold between them: nprobe grows to
 *                             minScanned * nlist / admitted when that is more, so a selective filter (or a small
 *                             index, whose neighbours spread over more lists) still meets enough candidates
 * @param exactBelow           admitted fraction under which the planner scans the admitted ids exactly
 * @param exactMaxAdmitted     admitted count at or under which the planner scans exactly whatever the fraction
 * @param ivfVisitCost         above those floors, the planner scans exactly when the admitted ids are fewer than the
 *                             list entries the IVF pass would visit times this (what visiting one entry costs against
 *                             scoring one stored vector; 0 turns the comparison off)
 * @param minTrainVectors      vectors needed before the IVF quantiser is trained (exact search serves until then)
 * @param maxTrainVectors      training sample size (k-means cost grows with it; Faiss itself caps at 256 x nlist)
 * @param driftWindow          adds per drift measurement window
 * @param driftThreshold       retrain when a window's mean squared residual to its centroid exceeds the training
 *                             sample's by this ratio
 * @param backgroundTraining   train on a background thread (searches and writes continue) instead of inline
 * @param seed                 training sample seed (reproducible builds)
 */
public record VectorIndexConfig(
        int dimension,
        String factory,
        int nprobe,
        int refineFactor,
        int denseRefineFactor,
        int minScanned,
        double exactBelow,
        long exactMaxAdmitted,
        double ivfVisitCost,
        int minTrainVectors,
        int maxTrainVectors,
        int driftWindow,
        double driftThreshold,
        boolean backgroundTraining,
        long seed) {

    public static final String DEFAULT_FACTORY = "IVF1024,PQ32";

    public VectorIndexConfig {
        if (dimension <= 0) throw new IllegalArgumentException("dimension must be positive");
        if (nprobe <= 0 || refineFactor <= 0) throw new IllegalArgumentException("nprobe and refineFactor must be positive");
    }

    /**
     * The measured default for 512-d embeddings ({@value #DEFAULT_FACTORY}); for other dimensions PQ's
     * sub-quantiser count drops to the largest power of two up to 32 that divides the dimension (PQ needs
     * {@code d % M == 0}).
     */
    public static VectorIndexConfig defaults(int dimension) {
        int subQuantizers = java.math.BigInteger.valueOf(dimension).gcd(java.math.BigInteger.valueOf(32)).intValue();
        String factory = subQuantizers == 32 ? DEFAULT_FACTORY : "IVF1024,PQ" + subQuantizers;
        return new VectorIndexConfig(dimension, factory, 12, 10, 70, 500, 0.002, 1000, 1.0 / 32,
                50_000, 40_000, 10_000, 1.3, true, 42);
    }

    /** Reads keys such as {@code index.factory} from {@code values}, falling back to {@code base}. */
    public static VectorIndexConfig from(Map<String, String> values, VectorIndexConfig base) {
        Function<String, String> v = key -> {
            String env = "MATCHSTREAM_INDEX_" + key.substring("index.".length()).replaceAll("([a-z])([A-Z])", "$1_$2").toUpperCase().replace('.', '_');
            return values.getOrDefault(key, values.get(env));
        };
        return new VectorIndexConfig(
                intOr(v.apply("index.dimension"), base.dimension),
                v.apply("index.factory") != null ? v.apply("index.factory") : base.factory,
                intOr(v.apply("index.nprobe"), base.nprobe),
                intOr(v.apply("index.refineFactor"), base.refineFactor),
                intOr(v.apply("index.denseRefineFactor"), base.denseRefineFactor),
                intOr(v.apply("index.minScanned"), base.minScanned),
                doubleOr(v.apply("index.exactBelow"), base.exactBelow),
                v.apply("index.exactMaxAdmitted") != null ? Long.parseLong(v.apply("index.exactMaxAdmitted")) : base.exactMaxAdmitted,
                doubleOr(v.apply("index.ivfVisitCost"), base.ivfVisitCost),
                intOr(v.apply("index.minTrainVectors"), base.minTrainVectors),
                intOr(v.apply("index.maxTrainVectors"), base.maxTrainVectors),
                intOr(v.apply("index.driftWindow"), base.driftWindow),
                doubleOr(v.apply("index.driftThreshold"), base.driftThreshold),
                v.apply("index.backgroundTraining") != null ? Boolean.parseBoolean(v.apply("index.backgroundTraining")) : base.backgroundTraining,
                v.apply("index.seed") != null ? Long.parseLong(v.apply("index.seed")) : base.seed);
    }

    public VectorIndexConfig withFactory(String factory) {
        return new VectorIndexConfig(dimension, factory, nprobe, refineFactor, denseRefineFactor, minScanned, exactBelow, exactMaxAdmitted, ivfVisitCost,
                minTrainVectors, maxTrainVectors, driftWindow, driftThreshold, backgroundTraining, seed);
    }

    public VectorIndexConfig withTraining(int minTrainVectors, int maxTrainVectors, boolean background) {
        return new VectorIndexConfig(dimension, factory, nprobe, refineFactor, denseRefineFactor, minScanned, exactBelow, exactMaxAdmitted, ivfVisitCost,
                minTrainVectors, maxTrainVectors, driftWindow, driftThreshold, background, seed);
    }

    public VectorIndexConfig withDrift(int driftWindow, double driftThreshold) {
        return new VectorIndexConfig(dimension, factory, nprobe, refineFactor, denseRefineFactor, minScanned, exactBelow, exactMaxAdmitted, ivfVisitCost,
                minTrainVectors, maxTrainVectors, driftWindow, driftThreshold, backgroundTraining, seed);
    }

    /** Search knobs; denseRefineFactor follows refineFactor (a fixed shortlist depth). */
    public VectorIndexConfig withSearch(int nprobe, int refineFactor, int minScanned, double exactBelow, long exactMaxAdmitted) {
        return new VectorIndexConfig(dimension, factory, nprobe, refineFactor, refineFactor, minScanned, exactBelow, exactMaxAdmitted, ivfVisitCost,
                minTrainVectors, maxTrainVectors, driftWindow, driftThreshold, backgroundTraining, seed);
    }

    public VectorIndexConfig withIvfVisitCost(double ivfVisitCost) {
        return new VectorIndexConfig(dimension, factory, nprobe, refineFactor, denseRefineFactor, minScanned, exactBelow, exactMaxAdmitted,
                ivfVisitCost, minTrainVectors, maxTrainVectors, driftWindow, driftThreshold, backgroundTraining, seed);
    }

    /** Inverted lists of the factory's IVF stage ("IVF1024,PQ32": 1024), 0 without one. */
    public int nlist() {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("IVF(\\d+)").matcher(factory);
        return m.find() ? Integer.parseInt(m.group(1)) : 0;
    }

    private static int intOr(String s, int d) {
        return s == null ? d : Integer.parseInt(s);
    }

    private static double doubleOr(String s, double d) {
        return s == null ? d : Double.parseDouble(s);
    }
}
