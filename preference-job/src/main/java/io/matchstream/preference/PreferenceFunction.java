package io.matchstream.preference;

import io.matchstream.events.SwipeAction;
import io.matchstream.events.TrainingTriplet;
import io.matchstream.schemas.wire.TrustedEvents;
import java.io.Serializable;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.StateTtlConfig;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * Keyed by user: their own embedding (E_base), the decayed statistics of what they liked and passed, the
 * set of users they swiped (RocksDB MapState, one byte per target), and from these the blended vector
 * E = normalise(a * E_base + b * P) that the index sink queries with. Emits a preference update on
 * every change, paced per user to one per {@code minInterval} with bursts of up to {@code updateBurst} at
 * once (a swipe soon after another goes out without waiting; only a faster rate kept up is held back); a
 * change that has to wait is sent when its turn comes, so the last update is never lost. Also emits training triplets and, when the user is deleted,
 * the purge of every pair they started plus a tombstone for their preference (on the main output, after
 * their updates, so that one chained sink writes both in order).
 *
 * <p>The state is split by how often it changes, so that a swipe reads and writes little: the statistics
 * ({@link PreferenceState}, a few hundred bytes) on every event; the sum of liked vectors only on a like;
 * the base embedding only on a photo. The vectors are read when an update is sent.
 *
 * <p>Expiry: the statistics expire {@code stateTtl} after the last change. The vectors are not rewritten
 * on every change (that would cost the 2 KiB writes the split saves); they live {@code stateTtl +
 * refresh} from their last write and are rewritten on a change once they are {@code refresh} old, so they
 * always outlive the statistics, which decide whether a user has state at all: a user whose statistics
 * expired starts over, whatever vectors are still stored.
 */
public class PreferenceFunction extends KeyedProcessFunction<String, Signal, PreferenceVector> {
    public static final OutputTag<TrainingTriplet> TRIPLETS = new OutputTag<>("training-triplets") {};
    public static final OutputTag<Signal> PAIR_PURGES = new OutputTag<>("pair-purges-by-swiper", SignalSerializer.TYPE);

    static final byte LIKED = 1;
    static final byte PASSED = 2;
    static final byte BLOCKED = 4;
    private static final int RECENT_SWIPES = 32;

    /** The math and timing knobs of the function (the job's config carries them). */
    public record Settings(double baseWeight, double preferenceWeight, Duration halfLife, double passWeight,
            Duration minInterval, int updateBurst, Duration tripletWindow, Duration stateTtl) implements Serializable {
        public Settings {
            if (updateBurst < 1) {
                throw new IllegalArgumentException("the update burst is at least 1, not " + updateBurst);
            }
        }
    }

    private final Settings settings;
    private transient ValueState<PreferenceState> preference;
    private transient ValueState<float[]> base;
    private transient ValueState<float[]> likedSum;
    private transient ValueState<float[]> passedSum;
    private transient MapState<String, Byte> swiped;
    private transient double halfLifeMillis;
    private transient long refreshMillis;

    public PreferenceFunction(Settings settings) {
        this.settings = settings;
    }

    /** Inactive users' state goes after {@code ttl}; any read or write (a swipe, a photo) keeps it. */
    static StateTtlConfig inactivityTtl(Duration ttl) {
        return ttl(ttl, StateTtlConfig.UpdateType.OnReadAndWrite);
    }

    /** State that lives {@code ttl} from its last write; reading it costs no write. */
    static StateTtlConfig writeTtl(Duration ttl) {
        return ttl(ttl, StateTtlConfig.UpdateType.OnCreateAndWrite);
    }

    private static StateTtlConfig ttl(Duration ttl, StateTtlConfig.UpdateType update) {
        return StateTtlConfig.newBuilder(ttl)
                .setUpdateType(update)
                .setStateVisibility(StateTtlConfig.StateVisibility.NeverReturnExpired)
                .cleanupInRocksdbCompactFilter(1000)
                .build();
    }

    /** How old a big value that is kept alive by a smaller one may get before it is rewritten: an eighth of the TTL. */
    static Duration refreshAfter(Duration ttl) {
        return ttl.dividedBy(8);
    }

    @Override
    public void open(OpenContext context) {
        TrustedEvents.install(); // triplets leave this operator as Avro records
        halfLifeMillis = settings.halfLife().toMillis();
        Duration ttl = settings.stateTtl();
        Duration refresh = refreshAfter(ttl);
        refreshMillis = refresh.toMillis();
        // Every read of the statistics on a user's activity is followed by a write, so expiring them
        // after the last write is expiring them after the last activity.
        var preferenceDescriptor = new ValueStateDescriptor<>("statistics", PreferenceStateSerializer.TYPE);
        preferenceDescriptor.enableTimeToLive(writeTtl(ttl));
        preference = getRuntimeContext().getState(preferenceDescriptor);
        base = vectorState("base", ttl.plus(refresh));
        likedSum = vectorState("liked-sum", ttl.plus(refresh));
        passedSum = vectorState("passed-sum", ttl.plus(refresh));
        var swipedDescriptor = new MapStateDescriptor<>("swiped", Types.STRING, Types.BYTE);
        swipedDescriptor.enableTimeToLive(inactivityTtl(ttl));
        swiped = getRuntimeContext().getMapState(swipedDescriptor);
    }

    private ValueState<float[]> vectorState(String name, Duration ttl) {
        var descriptor = new ValueStateDescriptor<>(name, VectorSerializer.TYPE);
        descriptor.enableTimeToLive(writeTtl(ttl));
        return getRuntimeContext().getState(descriptor);
    }

    @Override
    public void processElement(Signal signal, Context ctx, Collector<PreferenceVector> out) throws Exception {
        switch (signal.kind) {
            case EMBEDDING -> {
                long now = ctx.timerService().currentProcessingTime();
                PreferenceState state = stateOrNew(now);
                Vectors vectors = new Vectors();
                if (state.modelVersion != null && !state.modelVersion.equals(signal.modelVersion)) {
                    // Vectors of two models live in different spaces: the liked statistics start over.
                    state.restartSums();
                    vectors.clearSums();
                }
                vectors.setBase(signal.vector);
                state.baseWrittenAt = now;
                state.modelVersion = signal.modelVersion;
                state.lastActivity = Math.max(state.lastActivity, signal.timestamp);
                changed(state, vectors, ctx, out);
            }
            case SWIPE -> swipe(signal, ctx, out);
            case DELETION -> delete(signal, ctx, out);
            case PAIR_PURGE -> throw new IllegalArgumentException("pair purges go to the match detector: " + signal);
        }
    }

    private void swipe(Signal swipe, Context ctx, Collector<PreferenceVector> out) throws Exception {
        Byte stored = swiped.get(swipe.other);
        byte flags = stored == null ? 0 : stored;
        byte next = flags;
        boolean like = swipe.isLike();
        boolean pass = swipe.action == SwipeAction.PASS;
        if (like) {
            next |= LIKED;
        } else if (pass) {
            next |= PASSED;
        } else {
            next |= BLOCKED;
        }
        if (next == flags) {
            return; // a repeated swipe on the same user counts once
        }
        swiped.put(swipe.other, next);
        if (!like && !pass) {
            return; // a block keeps the pair from matching; it does not move the preference
        }
        long now = ctx.timerService().currentProcessingTime();
        PreferenceState state = stateOrNew(now);
        Vectors vectors = new Vectors();
        state.lastActivity = Math.max(state.lastActivity, swipe.timestamp);
        if (like) {
            state.likes++;
        } else {
            state.passes++;
        }
        if (swipe.modelVersion != null) {
            if (state.modelVersion == null && swipe.vector != null) {
                state.modelVersion = swipe.modelVersion; // no photo yet: the first liked vector sets the version
            }
            if (swipe.vector != null && swipe.modelVersion.equals(state.modelVersion)) {
                float scale = state.rebase(swipe.timestamp, halfLifeMillis);
                if (scale != 1) {
                    vectors.scaleSums(scale);
                }
                double weight = state.weight(swipe.timestamp, halfLifeMillis);
                if (like) {
                    vectors.addLiked(swipe.vector, weight);
                    state.likedWeight += weight;
                    state.sumsWrittenAt = now;
                } else if (settings.passWeight() > 0) {
                    vectors.addPassed(swipe.vector, weight);
                    state.passedWeight += weight;
                    state.sumsWrittenAt = now;
                }
            }
            triplets(state, swipe, like, ctx);
        }
        changed(state, vectors, ctx, out);
    }

    /**
     * A pass within the window after a like makes (anchor, liked, passed). Either may arrive first (they
     * travel through different enrichment subtasks), so each checks the other's remembered list.
     */
    private void triplets(PreferenceState state, Signal swipe, boolean like, Context ctx) {
        long window = settings.tripletWindow().toMillis();
        for (int i = 0; i < state.recentTargets.length; i++) {
            if (state.recentLiked[i] == like || !Objects.equals(state.recentVersions[i], swipe.modelVersion)) {
                continue;
            }
            long likedAt = like ? swipe.timestamp : state.recentTimes[i];
            long passedAt = like ? state.recentTimes[i] : swipe.timestamp;
            if (passedAt >= likedAt && passedAt - likedAt <= window) {
                String positive = like ? swipe.other : state.recentTargets[i];
                String negative = like ? state.recentTargets[i] : swipe.other;
                ctx.output(TRIPLETS, new TrainingTriplet(swipe.user, positive, negative, swipe.modelVersion,
                        Instant.ofEpochMilli(passedAt)));
            }
        }
        state.forgetBefore(state.lastActivity - window);
        state.remember(swipe.other, swipe.timestamp, like, swipe.modelVersion, RECENT_SWIPES);
    }

    private void delete(Signal deletion, Context ctx, Collector<PreferenceVector> out) throws Exception {
        List<String> partners = new ArrayList<>();
        for (String target : swiped.keys()) {
            partners.add(target);
        }
        for (String partner : partners) {
            ctx.output(PAIR_PURGES, Signal.pairPurge(deletion.user, partner, deletion.timestamp));
        }
        PreferenceState state = preference.value();
        if (state != null && state.timerAt != 0) {
            ctx.timerService().deleteProcessingTimeTimer(state.timerAt);
        }
        swiped.clear();
        preference.clear();
        base.clear();
        likedSum.clear();
        passedSum.clear();
        out.collect(PreferenceVector.tombstone(deletion.user));
    }

    /** The user's statistics; new ones, with any vectors left from expired statistics cleared, when there are none. */
    private PreferenceState stateOrNew(long now) throws Exception {
        PreferenceState state = preference.value();
        if (state != null) {
            return state;
        }
        base.clear();
        likedSum.clear();
        passedSum.clear();
        state = new PreferenceState();
        state.baseWrittenAt = now;
        state.sumsWrittenAt = now;
        return state;
    }

    private void changed(PreferenceState state, Vectors vectors, Context ctx, Collector<PreferenceVector> out) throws Exception {
        state.changes++;
        long now = ctx.timerService().currentProcessingTime();
        if (state.timerAt == 0 && now >= earliestEmit(state)) {
            emit(ctx.getCurrentKey(), state, vectors, now, out);
        } else if (state.timerAt == 0) {
            state.timerAt = earliestEmit(state);
            ctx.timerService().registerProcessingTimeTimer(state.timerAt);
        }
        save(state, vectors, now);
    }

    /**
     * The pacing is a generic cell rate algorithm: {@code paceAt} is when the next update would be due at one
     * per interval; one may go out up to {@code updateBurst - 1} intervals ahead of that.
     */
    private long earliestEmit(PreferenceState state) {
        return state.paceAt - (settings.updateBurst() - 1) * settings.minInterval().toMillis();
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<PreferenceVector> out) throws Exception {
        PreferenceState state = preference.value();
        if (state == null || state.timerAt != timestamp) {
            return; // deleted, or expired, since the timer was set
        }
        state.timerAt = 0;
        Vectors vectors = new Vectors();
        if (state.changes > state.emittedVersion) {
            emit(ctx.getCurrentKey(), state, vectors, timestamp, out);
        }
        save(state, vectors, ctx.timerService().currentProcessingTime());
    }

    /** Writes what changed; rewrites vectors that are {@code refresh} old, so that they outlive the statistics. */
    private void save(PreferenceState state, Vectors vectors, long now) throws Exception {
        if (now - state.baseWrittenAt >= refreshMillis) {
            vectors.touchBase();
            state.baseWrittenAt = now;
        }
        if (now - state.sumsWrittenAt >= refreshMillis) {
            vectors.touchSums();
            state.sumsWrittenAt = now;
        }
        vectors.write();
        preference.update(state);
    }

    private void emit(String user, PreferenceState state, Vectors vectors, long now, Collector<PreferenceVector> out) throws Exception {
        state.paceAt = Math.max(state.paceAt, now) + settings.minInterval().toMillis();
        state.emittedVersion = state.changes;
        float[] liked = state.likedWeight > 0 ? vectors.liked() : null;
        float[] passed = settings.passWeight() > 0 && state.passedWeight > 0 ? vectors.passed() : null;
        float[] p = state.preference(liked, passed, settings.passWeight());
        float[] own = vectors.base();
        if (own == null && p == null) {
            return; // no photo and no liked vector yet: nothing to recommend with
        }
        float[] blended = PreferenceState.blend(own, p, settings.baseWeight(), settings.preferenceWeight());
        if (blended == null) {
            return;
        }
        out.collect(new PreferenceVector(user, blended, p, state.likes, state.passes, state.modelVersion, state.changes,
                state.lastActivity));
    }

    /** The current user's vectors, each read from state at most once per event and written once if changed. */
    private final class Vectors {
        private float[] base;
        private float[] liked;
        private float[] passed;
        private boolean baseRead;
        private boolean likedRead;
        private boolean passedRead;
        private boolean baseChanged;
        private boolean likedChanged;
        private boolean passedChanged;

        float[] base() throws Exception {
            if (!baseRead) {
                base = PreferenceFunction.this.base.value();
                baseRead = true;
            }
            return base;
        }

        float[] liked() throws Exception {
            if (!likedRead) {
                liked = likedSum.value();
                likedRead = true;
            }
            return liked;
        }

        float[] passed() throws Exception {
            if (!passedRead) {
                passed = passedSum.value();
                passedRead = true;
            }
            return passed;
        }

        void setBase(float[] vector) {
            base = vector; // never changed in place
            baseRead = true;
            baseChanged = true;
        }

        void addLiked(float[] vector, double weight) throws Exception {
            liked = PreferenceState.accumulate(liked(), vector, weight);
            likedChanged = true;
        }

        void addPassed(float[] vector, double weight) throws Exception {
            passed = PreferenceState.accumulate(passed(), vector, weight);
            passedChanged = true;
        }

        void scaleSums(float factor) throws Exception {
            PreferenceState.scale(liked(), factor);
            PreferenceState.scale(passed(), factor);
            likedChanged = true;
            passedChanged = true;
        }

        void clearSums() {
            liked = null;
            passed = null;
            likedRead = passedRead = true;
            likedChanged = passedChanged = true;
        }

        void touchBase() throws Exception {
            base();
            baseChanged = true;
        }

        void touchSums() throws Exception {
            liked();
            passed();
            likedChanged = passedChanged = true;
        }

        void write() throws Exception {
            if (baseChanged) {
                update(PreferenceFunction.this.base, base);
            }
            if (likedChanged) {
                update(likedSum, liked);
            }
            if (passedChanged) {
                update(passedSum, passed);
            }
        }

        private void update(ValueState<float[]> state, float[] value) throws Exception {
            if (value == null) {
                state.clear();
            } else {
                state.update(value);
            }
        }
    }
}
