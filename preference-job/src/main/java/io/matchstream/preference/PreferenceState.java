package io.matchstream.preference;

import java.util.Arrays;

/**
 * One user's preference statistics: everything about them that changes with every swipe, small enough to
 * read and write on every event. The vectors live in keyed state of their own (see {@link PreferenceFunction}):
 * the user's base embedding, and the decayed sums of liked (and, when passes count, passed) embeddings. A
 * swipe at time t weighs 2^((t - anchor) / halfLife), so the weighted mean P = likedSum / likedWeight gives a
 * like one half-life older half the weight, and the mean does not depend on when it is read. The anchor
 * moves forward (scaling the sums down) before weights could overflow. All sums are of one model version,
 * {@link #modelVersion}.
 */
public class PreferenceState {
    /** The version of the base embedding and of every vector in the sums. */
    public String modelVersion;
    public double likedWeight;
    public double passedWeight;
    public long anchor;
    public long likes;
    public long passes;
    /** Latest event time seen; also the update's timestamp. */
    public long lastActivity;
    /** Counts the changes to this state: the update's version, monotonic per user. */
    public long changes;
    public long emittedVersion;
    /** Update pacing: when the next update is due at one per interval (see PreferenceFunction's earliestEmit). */
    public long paceAt;
    /** Processing time of the pending throttle timer, 0 when none. */
    public long timerAt;
    /** Processing time the base embedding was last written, 0 while there is none. */
    public long baseWrittenAt;
    /** Processing time the sums were last written, 0 while there are none. */
    public long sumsWrittenAt;
    /** Recent first-time likes and passes, for training triplets (oldest first). */
    public String[] recentTargets = new String[0];
    public long[] recentTimes = new long[0];
    public boolean[] recentLiked = new boolean[0];
    public String[] recentVersions = new String[0];

    public PreferenceState() {}

    /**
     * Rebases the decay anchor so that a swipe at {@code time} keeps a weight within double range. Returns the
     * factor the stored sums must be scaled by: 1 when the anchor stays.
     */
    float rebase(long time, double halfLifeMillis) {
        if (halfLifeMillis <= 0) {
            return 1;
        }
        if (likedWeight == 0 && passedWeight == 0) {
            anchor = time;
            return 1;
        }
        double exponent = (time - anchor) / halfLifeMillis;
        if (exponent > 32) {
            float scale = (float) Math.pow(2, -exponent);
            likedWeight *= scale;
            passedWeight *= scale;
            anchor = time;
            return scale;
        }
        return 1;
    }

    double weight(long time, double halfLifeMillis) {
        return halfLifeMillis <= 0 ? 1.0 : Math.pow(2, (time - anchor) / halfLifeMillis);
    }

    /** Forgets the weights (a new model version starts the sums over); counts and history stay. */
    void restartSums() {
        likedWeight = 0;
        passedWeight = 0;
    }

    /**
     * P: the decayed mean of liked embeddings, minus {@code passWeight} times that of passed ones; null
     * without likes.
     */
    float[] preference(float[] likedSum, float[] passedSum, double passWeight) {
        if (likedWeight <= 0 || likedSum == null) {
            return null;
        }
        float[] p = new float[likedSum.length];
        float liked = (float) (1 / likedWeight);
        for (int i = 0; i < p.length; i++) {
            p[i] = likedSum[i] * liked;
        }
        if (passWeight > 0 && passedWeight > 0 && passedSum != null) {
            float passed = (float) (passWeight / passedWeight);
            for (int i = 0; i < p.length; i++) {
                p[i] -= passedSum[i] * passed;
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
            float fa = (float) a;
            float fb = (float) b;
            for (int i = 0; i < e.length; i++) {
                e[i] = fa * base[i] + fb * preference[i];
            }
        }
        // Four running sums: the additions do not wait for each other (and round no worse than one sum).
        double n0 = 0;
        double n1 = 0;
        double n2 = 0;
        double n3 = 0;
        int i = 0;
        for (; i + 3 < e.length; i += 4) {
            n0 += (double) e[i] * e[i];
            n1 += (double) e[i + 1] * e[i + 1];
            n2 += (double) e[i + 2] * e[i + 2];
            n3 += (double) e[i + 3] * e[i + 3];
        }
        for (; i < e.length; i++) {
            n0 += (double) e[i] * e[i];
        }
        double norm = n0 + n1 + n2 + n3;
        if (norm == 0) {
            return null;
        }
        float inv = (float) (1 / Math.sqrt(norm));
        for (int j = 0; j < e.length; j++) {
            e[j] *= inv;
        }
        return e;
    }

    /** sum + weight * vector, in place; a new sum when there was none. */
    static float[] accumulate(float[] sum, float[] vector, double weight) {
        float[] s = sum == null ? new float[vector.length] : sum;
        float w = (float) weight;
        for (int i = 0; i < s.length; i++) {
            s[i] += w * vector[i];
        }
        return s;
    }

    static void scale(float[] values, float factor) {
        if (values != null) {
            for (int i = 0; i < values.length; i++) {
                values[i] *= factor;
            }
        }
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
}
