package io.matchstream.preference;

/**
 * A user's preference as {@link PreferenceFunction} emits it: primitive arrays, so that the 1,024 floats of
 * an update are never boxed. {@link PreferenceUpdateEncoder} writes it as a {@code PreferenceUpdate}.
 */
public class PreferenceVector {
    public String userId;
    /** E = normalise(a * E_base + b * P). */
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
}
