package io.matchstream.preference;

import io.matchstream.events.SwipeAction;
import java.util.Objects;

/**
 * Everything that flows between the job's keyed operators, in one Flink POJO: a swipe (enriched with the
 * target's embedding once it has passed {@link TargetEnrichment}), a user's own embedding, a deletion, or
 * the purge of one pair's match state. {@code user} is the user the signal is about (the swiper for a swipe);
 * {@code other} the second user where there is one.
 */
public class Signal {
    public enum Kind { SWIPE, EMBEDDING, DELETION, PAIR_PURGE }

    public Kind kind;
    public String user;
    public String other;
    public SwipeAction action;
    public long timestamp;
    /** The target's embedding on an enriched swipe, the user's own on an embedding; null when unknown. */
    public float[] vector;
    public String modelVersion;

    public Signal() {}

    private Signal(Kind kind, String user, String other, SwipeAction action, long timestamp, float[] vector, String modelVersion) {
        this.kind = kind;
        this.user = user;
        this.other = other;
        this.action = action;
        this.timestamp = timestamp;
        this.vector = vector;
        this.modelVersion = modelVersion;
    }

    public static Signal swipe(String swiper, String target, SwipeAction action, long timestamp) {
        return new Signal(Kind.SWIPE, swiper, target, action, timestamp, null, null);
    }

    public static Signal embedding(String user, float[] vector, String modelVersion, long timestamp) {
        return new Signal(Kind.EMBEDDING, user, null, null, timestamp, vector, modelVersion);
    }

    public static Signal deletion(String user, long timestamp) {
        return new Signal(Kind.DELETION, user, null, null, timestamp, null, null);
    }

    public static Signal pairPurge(String deleted, String partner, long timestamp) {
        return new Signal(Kind.PAIR_PURGE, deleted, partner, null, timestamp, null, null);
    }

    /** This swipe with the target's embedding attached. */
    public Signal enriched(float[] targetVector, String targetModelVersion) {
        return new Signal(kind, user, other, action, timestamp, targetVector, targetModelVersion);
    }

    /** A copy that may be kept while the input object is reused (the vector is never changed in place). */
    public Signal copy() {
        return new Signal(kind, user, other, action, timestamp, vector, modelVersion);
    }

    /** The key of {@link TargetEnrichment}: a swipe's target, otherwise the user. */
    public String subject() {
        return kind == Kind.SWIPE ? other : user;
    }

    /** The key of {@link MatchDetector}: the unordered pair. */
    public String pair() {
        return MatchDetector.pairKey(user, other);
    }

    public boolean isLike() {
        return action == SwipeAction.LIKE || action == SwipeAction.SUPERLIKE;
    }

    @Override
    public String toString() {
        return kind + "(" + user + (other == null ? "" : "->" + other) + (action == null ? "" : " " + action) + " @" + timestamp
                + (modelVersion == null ? "" : " " + modelVersion) + ")";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Signal s && kind == s.kind && timestamp == s.timestamp && Objects.equals(user, s.user)
                && Objects.equals(other, s.other) && action == s.action && Objects.equals(modelVersion, s.modelVersion)
                && java.util.Arrays.equals(vector, s.vector);
    }

    @Override
    public int hashCode() {
        return Objects.hash(kind, user, other, action, timestamp);
    }
}
