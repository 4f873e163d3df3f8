package io.matchstream.index.vector;

import java.util.SplittableRandom;

/**
 * Clustered, L2-normalised vectors for recall tests and the benchmark: each vector is a random cluster centre
 * plus Gaussian noise of the same norm, so neighbours share a cluster but are not trivially separable
 * (same-cluster cosine about 0.5), which is where coarse quantisers and PQ codes lose recall.
 */
public final class SyntheticEmbeddings {
    private final int dimension;
    private final float[] centres;
    private final int clusters;
    private final double noise;

    public SyntheticEmbeddings(int dimension, int clusters, long seed) {
        this(dimension, clusters, 1.0, seed);
    }

    public SyntheticEmbeddings(int dimension, int clusters, double noise, long seed) {
        this.dimension = dimension;
        this.clusters = clusters;
        this.noise = noise;
        this.centres = new float[clusters * dimension];
        SplittableRandom random = new SplittableRandom(seed);
        for (int c = 0; c < clusters; c++) {
            gaussianUnit(random, centres, c * dimension, dimension);
        }
    }

    /** {@code n} vectors, row-major, drawn with {@code seed} (a different seed gives queries from the same distribution). */
    public float[] draw(int n, long seed) {
        float[] out = new float[n * dimension];
        SplittableRandom random = new SplittableRandom(seed);
        float[] tmp = new float[dimension];
        for (int i = 0; i < n; i++) {
            int c = random.nextInt(clusters);
            gaussianUnit(random, tmp, 0, dimension);
            double norm = 0;
            for (int j = 0; j < dimension; j++) {
                float v = (float) (centres[c * dimension + j] + noise * tmp[j]);
                out[i * dimension + j] = v;
                norm += v * v;
            }
            float inv = (float) (1 / Math.sqrt(norm));
            for (int j = 0; j < dimension; j++) {
                out[i * dimension + j] *= inv;
            }
        }
        return out;
    }

    private static void gaussianUnit(SplittableRandom random, float[] out, int offset, int dimension) {
        double norm = 0;
        for (int j = 0; j < dimension; j++) {
            // Box-Muller; one value per pair is enough here
            double g = Math.sqrt(-2 * Math.log(1 - random.nextDouble())) * Math.cos(2 * Math.PI * random.nextDouble());
            out[offset + j] = (float) g;
            norm += g * g;
        }
        float inv = (float) (1 / Math.sqrt(norm));
        for (int j = 0; j < dimension; j++) {
            out[offset + j] *= inv;
        }
    }
}
