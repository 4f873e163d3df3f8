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
 * every change, at most one per {@code minInterval} per user; a change inside the interval is sent when it
 * ends, so the last update is never lost. Also emits training triplets and, when the user is deleted,
 * the purge of every pair they started plus a tombstone for their preference.
 */
public class PreferenceFunction extends KeyedProcessFunction<String, Signal, PreferenceVector> {
    public static final OutputTag<TrainingTriplet> TRIPLETS = new OutputTag<>("training-triplets") {};
    public static final OutputTag<Signal> PAIR_PURGES = new OutputTag<>("pair-purges-by-swiper", SignalSerializer.TYPE);
    /** User ids whose preference-updates key gets a tombstone. */
    public static final OutputTag<String> TOMBSTONES = new OutputTag<>("preference-tombstones") {};

    static final byte LIKED = 1;
    static final byte PASSED = 2;
    static final byte BLOCKED = 4;
    private static final int RECENT_SWIPES = 32;

    /** The math and timing knobs of the function (the job's config carries them). */
    public record Settings(double baseWeight, double preferenceWeight, Duration halfLife, double passWeight,
            Duration minInterval, Duration tripletWindow, Duration stateTtl) implements Serializable {}

    private final Settings settings;
    private transient ValueState<PreferenceState> preference;
    private transient MapState<String, Byte> swiped;
    private transient double halfLifeMillis;

    public PreferenceFunction(Settings settings) {
        this.settings = settings;
    }

    /** Inactive users' state goes after {@code ttl}; any read or write (a swipe, a photo) keeps it. */
    static StateTtlConfig inactivityTtl(Duration ttl) {
        return StateTtlConfig.newBuilder(ttl)
                .setUpdateType(StateTtlConfig.UpdateType.OnReadAndWrite)
                .setStateVisibility(StateTtlConfig.StateVisibility.NeverReturnExpired)
                .cleanupInRocksdbCompactFilter(1000)
                .build();
    }

    @Override
    public void open(OpenContext context) {
        TrustedEvents.install(); // triplets leave this operator as Avro records
        halfLifeMillis = settings.halfLife().toMillis();
        StateTtlConfig ttl = inactivityTtl(settings.stateTtl());
        var preferenceDescriptor = new ValueStateDescriptor<>("preference", PreferenceStateSerializer.TYPE);
        preferenceDescriptor.enableTimeToLive(ttl);
        preference = getRuntimeContext().getState(preferenceDescriptor);
        var swipedDescriptor = new MapStateDescriptor<>("swiped", Types.STRING, Types.BYTE);
        swipedDescriptor.enableTimeToLive(ttl);
        swiped = getRuntimeContext().getMapState(swipedDescriptor);
    }

    @Override
    public void processElement(Signal signal, Context ctx, Collector<PreferenceVector> out) throws Exception {
        switch (signal.kind) {
            case EMBEDDING -> {
                PreferenceState state = stateOrNew();
                if (state.modelVersion != null && !state.modelVersion.equals(signal.modelVersion)) {
                    // Vectors of two models live in different spaces: the liked statistics start over.
                    state.restartSums();
                }
                state.base = signal.vector;
                state.modelVersion = signal.modelVersion;
                state.lastActivity = Math.max(state.lastActivity, signal.timestamp);
                changed(state, ctx, out);
            }
            case SWIPE -> swipe(signal, ctx, out);
            case DELETION -> delete(signal, ctx);
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
        PreferenceState state = stateOrNew();
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
                state.rebase(swipe.timestamp, halfLifeMillis);
                double weight = state.weight(swipe.timestamp, halfLifeMillis);
                if (like) {
                    state.addLiked(swipe.vector, weight);
                } else if (settings.passWeight() > 0) {
                    state.addPassed(swipe.vector, weight);
                }
            }
            triplets(state, swipe, like, ctx);
        }
        changed(state, ctx, out);
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

    private void delete(Signal deletion, Context ctx) throws Exception {
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
        ctx.output(TOMBSTONES, deletion.user);
    }

    private PreferenceState stateOrNew() throws Exception {
        PreferenceState state = preference.value();
        return state == null ? new PreferenceState() : state;
    }

    private void changed(PreferenceState state, Context ctx, Collector<PreferenceVector> out) throws Exception {
        state.changes++;
        long now = ctx.timerService().currentProcessingTime();
        if (state.timerAt == 0 && now - state.lastEmitAt >= settings.minInterval().toMillis()) {
            emit(ctx.getCurrentKey(), state, now, out);
        } else if (state.timerAt == 0) {
            state.timerAt = state.lastEmitAt + settings.minInterval().toMillis();
            ctx.timerService().registerProcessingTimeTimer(state.timerAt);
        }
        preference.update(state);
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<PreferenceVector> out) throws Exception {
        PreferenceState state = preference.value();
        if (state == null || state.timerAt != timestamp) {
            return; // deleted, or expired, since the timer was set
        }
        state.timerAt = 0;
        if (state.changes > state.emittedVersion) {
            emit(ctx.getCurrentKey(), state, timestamp, out);
        }
        preference.update(state);
    }

    private void emit(String user, PreferenceState state, long now, Collector<PreferenceVector> out) {
        state.lastEmitAt = now;
        state.emittedVersion = state.changes;
        float[] p = state.preference(settings.passWeight());
        if (state.base == null && p == null) {
            return; // no photo and no liked vector yet: nothing to recommend with
        }
        float[] blended = PreferenceState.blend(state.base, p, settings.baseWeight(), settings.preferenceWeight());
        if (blended == null) {
            return;
        }
        out.collect(new PreferenceVector(user, blended, p, state.likes, state.passes, state.modelVersion, state.changes,
                state.lastActivity));
    }
}
