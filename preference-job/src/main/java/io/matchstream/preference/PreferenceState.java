package io.matchstream.preference;

import java.util.Arrays;

/**
 * One user's preference, as one Flink POJO (one RocksDB read and write per event). The liked (and, when
 * passes count, passed) embeddings are kept as decayed sums: a swipe at time t weighs 2^((t - anchor) /
 * halfLife), so the weighted mean P = likedSum / likedWeight gives a like one half-life older half the
 * weight, and the mean does not depend on when it is read. The anchor moves forward (scaling the sums
 * down) before weights could overflow. All sums are of one model version, {@link #modelVersion}.
 */
public class PreferenceState {
    /** The user's own latest embedding; null until their first photo is embedded. */
    public float[] base;
    /** The version of {@link #base} and of every vector in the sums. */
    public String modelVersion;
    public float[] likedSum;
    public double likedWeight;
    public float[] passedSum;
    public double passedWeight;
    public long anchor;
    public long likes;
    public long passes;
    /** Latest event time seen; also the update's timestamp. */
    public long lastActivity;
    /** Counts the changes to this state: the update's version, monotonic per user. */
    public long changes;
    public long emittedVersion;
    public long lastEmitAt;
    /** Processing time of the pending throttle timer, 0 when none. */
    public long timerAt;
    /** Recent first-time likes and passes, for training triplets (oldest first). */
    public String[] recentTargets = new String[0];
    public long[] recentTimes = new long[0];
    public boolean[] recentLiked = new boolean[0];
    public String[] recentVersions = new String[0];

    public PreferenceState() {}

    /** Rebases the decay anchor so that a swipe at {@code time} keeps a weight within double range. */
    void rebase(long time, double halfLifeMillis) {
        if (halfLifeMillis <= 0) {
            return;
        }
        if (likedWeight == 0 && passedWeight == 0) {
            anchor = time;
            return;
        }
        double exponent = (time - anchor) / halfLifeMillis;
        if (exponent > 32) {
            float scale = (float) Math.pow(2, -exponent);
            scale(likedSum, scale);
            scale(passedSum, scale);
            likedWeight *= scale;
            passedWeight *= scale;
            anchor = time;
        }
    }

    double weight(long time, double halfLifeMillis) {
        return halfLifeMillis <= 0 ? 1.0 : Math.pow(2, (time - anchor) / halfLifeMillis);
    }

    void addLiked(float[] vector, double weight) {
        likedSum = accumulate(likedSum, vector, weight);
        likedWeight += weight;
    }

    void addPassed(float[] vector, double weight) {
        passedSum = accumulate(passedSum, vector, weight);
        passedWeight += weight;
    }

    /** Forgets the sums (a new model version starts them over); counts and history stay. */
    void restartSums() {
        likedSum = null;
        passedSum = null;
        likedWeight = 0;
        passedWeight = 0;
    }

    /** P: the decayed mean of liked embeddings, minus {@code passWeight} times that of passed ones; null without likes. */
    float[] preference(double passWeight) {
        if (likedWeight <= 0 || likedSum == null) {
            return null;
        }
        float[] p = new float[likedSum.length];
        for (int i = 0; i < p.length; i++) {
            p[i] = (float) (likedSum[i] / likedWeight);
        }
        if (passWeight > 0 && passedWeight > 0 && passedSum != null) {
            for (int i = 0; i < p.length; i++) {
                p[i] -= (float) (passWeight * passedSum[i] / passedWeight);
            }
        }
        return p;
    }

    /** E = normalise(a * base + b * P); the base alone when there is no P; P alone before the first photo. */
    static float[] blend(float[] base, float[] preference, double a, double b) {
        float[] e;
        if (preference == null) {
            e = base.clone();
        } else if (base == null) {
            e = preference.clone();
        } else {
            e = new float[base.length];
            for (int i = 0; i < e.length; i++) {
                e[i] = (float) (a * base[i] + b * preference[i]);
            }
        }
        double norm = 0;
        for (float x : e) {
            norm += (double) x * x;
        }
        if (norm == 0) {
            return null;
        }
        float inv = (float) (1 / Math.sqrt(norm));
        for (int i = 0; i < e.length; i++) {
            e[i] *= inv;
        }
        return e;
    }

    void remember(String target, long time, boolean liked, String version, int capacity) {
        int n = recentTargets.length;
        int keep = Math.min(n, capacity - 1);
        int from = n - keep;
        recentTargets = append(Arrays.copyOfRange(recentTargets, from, n), target);
        recentVersions = append(Arrays.copyOfRange(recentVersions, from, n), version);
        long[] times = Arrays.copyOf(Arrays.copyOfRange(recentTimes, from, n), keep + 1);
        times[keep] = time;
        recentTimes = times;
        boolean[] kinds = Arrays.copyOf(Arrays.copyOfRange(recentLiked, from, n), keep + 1);
        kinds[keep] = liked;
        recentLiked = kinds;
    }

    /** Drops remembered swipes older than {@code oldest} (they may have arrived out of time order). */
    void forgetBefore(long oldest) {
        int kept = 0;
        for (long t : recentTimes) {
            kept += t >= oldest ? 1 : 0;
        }
        if (kept == recentTimes.length) {
            return;
        }
        String[] targets = new String[kept];
        String[] versions = new String[kept];
        long[] times = new long[kept];
        boolean[] liked = new boolean[kept];
        for (int i = 0, j = 0; i < recentTimes.length; i++) {
            if (recentTimes[i] >= oldest) {
                targets[j] = recentTargets[i];
                versions[j] = recentVersions[i];
                times[j] = recentTimes[i];
                liked[j++] = recentLiked[i];
            }
        }
        recentTargets = targets;
        recentVersions = versions;
        recentTimes = times;
        recentLiked = liked;
    }

    private static String[] append(String[] values, String value) {
        String[] out = Arrays.copyOf(values, values.length + 1);
        out[values.length] = value;
        return out;
    }

    private static float[] accumulate(float[] sum, float[] vector, double weight) {
        float[] s = sum == null ? new float[vector.length] : sum;
        for (int i = 0; i < s.length; i++) {
            s[i] += (float) (weight * vector[i]);
        }
        return s;
    }

    private static void scale(float[] values, float factor) {
        if (values != null) {
            for (int i = 0; i < values.length; i++) {
                values[i] *= factor;
            }
        }
    }
}
