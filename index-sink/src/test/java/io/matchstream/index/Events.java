package io.matchstream.index;

import io.matchstream.events.Gender;
import io.matchstream.events.Match;
import io.matchstream.events.MatchStatus;
import io.matchstream.events.PreferenceUpdate;
import io.matchstream.events.ProfileAttributes;
import io.matchstream.events.ProfileEmbedding;
import io.matchstream.events.Swipe;
import io.matchstream.events.SwipeAction;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/** Hand-built events for the tests. */
final class Events {
    static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

    private Events() {}

    static ProfileAttributes profile(String user, Gender gender, List<Gender> seeking, int age, double lat, double lon,
            int minAge, int maxAge, double maxKm, Instant at) {
        return new ProfileAttributes(user, gender, seeking, age, lat, lon, minAge, maxAge, maxKm, at);
    }

    /** A woman or man of 30 seeking the other gender aged 18-99 within 50 km, at (lat, 0). */
    static ProfileAttributes straight(String user, Gender gender, double lat) {
        return profile(user, gender, List.of(gender == Gender.F ? Gender.M : Gender.F), 30, lat, 0, 18, 99, 50, T0);
    }

    static ProfileEmbedding embedding(String user, String version, float[] v, Instant at) {
        return new ProfileEmbedding(user, floats(v), version, "test", null, false, "e-" + user, at);
    }

    static PreferenceUpdate preference(String user, String version, float[] blended, float[] preference, long seq, Instant at) {
        return new PreferenceUpdate(user, floats(blended), preference == null ? null : floats(preference), 1L, 0L, version, seq, at);
    }

    static Swipe swipe(String from, String to, SwipeAction action, Instant at) {
        return new Swipe("s-" + from + "-" + to + "-" + action, from, to, action, at);
    }

    static Match match(String a, String b) {
        return new Match(a + "~" + b, a, b, MatchStatus.MATCHED, T0);
    }

    static List<Float> floats(float[] v) {
        List<Float> out = new ArrayList<>(v.length);
        for (float x : v) {
            out.add(x);
        }
        return out;
    }

    static float[] unit(float... v) {
        return Vectors.unit(v);
    }

    static float[] random(Random r, int dim) {
        float[] v = new float[dim];
        for (int i = 0; i < dim; i++) {
            v[i] = (float) r.nextGaussian();
        }
        return unit(v);
    }
}
