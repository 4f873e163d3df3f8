package io.matchstream.preference;

/**
 * A user's preference as {@link PreferenceFunction} emits it: primitive arrays, so that the 1,024 floats of
 * an update are never boxed. {@link PreferenceUpdateEncoder} writes it as a {@code PreferenceUpdate}, or, for
 * a deleted user ({@link #tombstone}), as the tombstone of their key.
 */
public class PreferenceVector {
    public String userId;
    /** E = normalise(a * E_base + b * P); null on a tombstone. */
    public float[] blended;
    /** P; null before the first like of the current model version. */
    public float[] preference;
    public long likes;
    public long passes;
    public String modelVersion;
    public long version;
    public long timestamp;

    public PreferenceVector() {}

    public PreferenceVector(String userId, float[] blended, float[] preference, long likes, long passes, String modelVersion,
            long version, long timestamp) {
        this.userId = userId;
        this.blended = blended;
        this.preference = preference;
        this.likes = likes;
        this.passes = passes;
        this.modelVersion = modelVersion;
        this.version = version;
        this.timestamp = timestamp;
    }

    /** The deletion of {@code userId}'s preference: a tombstone for their key on the compacted topic. */
    public static PreferenceVector tombstone(String userId) {
        PreferenceVector v = new PreferenceVector();
        v.userId = userId;
        return v;
    }

    public boolean isTombstone() {
        return blended == null;
    }
}
