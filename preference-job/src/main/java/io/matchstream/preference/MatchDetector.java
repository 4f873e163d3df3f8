package io.matchstream.preference;

import io.matchstream.events.Match;
import io.matchstream.events.MatchStatus;
import io.matchstream.schemas.wire.TrustedEvents;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.StateTtlConfig;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;
import java.time.Instant;

/**
 * Keyed by the unordered pair of users: a LIKE or SUPERLIKE from both sides makes one match; a BLOCK from
 * either side prevents it for good, or cancels it with an unmatch. Each pair's history is one byte of
 * state, so a replay after a restore cannot emit a match twice (exactly once with the transactional sink).
 * Pairs inactive for the state TTL are forgotten. When either user is deleted the pair's state is purged,
 * a live match is cancelled, and the match id gets a tombstone on the compacted matches topic.
 */
public class MatchDetector extends KeyedProcessFunction<String, Signal, Match> {
    /** Match ids to tombstone. */
    public static final OutputTag<String> TOMBSTONES = new OutputTag<>("match-tombstones") {};

    private final Duration stateTtl;
    private transient ValueState<Byte> pair;

    public MatchDetector(Duration stateTtl) {
        this.stateTtl = stateTtl;
    }

    /** The state key of the pair, the same whoever swiped. */
    public static String pairKey(String one, String other) {
        return one.compareTo(other) < 0 ? one + '\u0000' + other : other + '\u0000' + one;
    }

    /** Deterministic, so that every replica and every replay names a match the same way. */
    public static String matchId(String userA, String userB) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest((userA + '\u0000' + userB).getBytes(StandardCharsets.UTF_8));
            return "m-" + HexFormat.of().formatHex(digest, 0, 12);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }

    @Override
    public void open(OpenContext context) {
        TrustedEvents.install(); // matches leave this operator as Avro records
        ValueStateDescriptor<Byte> descriptor = new ValueStateDescriptor<>("pair", Types.BYTE);
        descriptor.enableTimeToLive(StateTtlConfig.newBuilder(stateTtl)
                .setUpdateType(StateTtlConfig.UpdateType.OnCreateAndWrite)
                .setStateVisibility(StateTtlConfig.StateVisibility.NeverReturnExpired)
                .build());
        pair = getRuntimeContext().getState(descriptor);
    }

    @Override
    public void processElement(Signal swipe, Context ctx, Collector<Match> out) throws Exception {
        if (swipe.kind == Signal.Kind.PAIR_PURGE) {
            purge(swipe, ctx, out);
            return;
        }
        String swiper = swipe.user;
        String target = swipe.other;
        boolean swiperIsA = swiper.compareTo(target) < 0;
        String a = swiperIsA ? swiper : target;
        String b = swiperIsA ? target : swiper;
        Byte stored = pair.value();
        byte state = stored == null ? 0 : stored;
        byte next = state;
        switch (swipe.action) {
            case LIKE, SUPERLIKE -> next |= swiperIsA ? PairState.A_LIKES_B : PairState.B_LIKES_A;
            case BLOCK -> next |= PairState.BLOCKED;
            case PASS -> { } // a pass after a like does not take the like back
        }
        boolean bothLike = PairState.has(next, PairState.A_LIKES_B) && PairState.has(next, PairState.B_LIKES_A);
        boolean blocked = PairState.has(next, PairState.BLOCKED);
        boolean matched = PairState.has(state, PairState.MATCHED);
        if (bothLike && !blocked && !matched) {
            next |= PairState.MATCHED | PairState.EVER_MATCHED;
            out.collect(new Match(matchId(a, b), a, b, MatchStatus.MATCHED, Instant.ofEpochMilli(swipe.timestamp)));
        } else if (blocked && matched) {
            next &= ~PairState.MATCHED;
            out.collect(new Match(matchId(a, b), a, b, MatchStatus.UNMATCHED, Instant.ofEpochMilli(swipe.timestamp)));
        }
        if (next != state || stored == null) {
            pair.update(next);
        }
    }

    private void purge(Signal purge, Context ctx, Collector<Match> out) throws Exception {
        Byte stored = pair.value();
        if (stored == null) {
            return;
        }
        String a = purge.user.compareTo(purge.other) < 0 ? purge.user : purge.other;
        String b = a.equals(purge.user) ? purge.other : purge.user;
        if (PairState.has(stored, PairState.MATCHED)) {
            out.collect(new Match(matchId(a, b), a, b, MatchStatus.UNMATCHED, Instant.ofEpochMilli(purge.timestamp)));
        }
        if (PairState.has(stored, PairState.EVER_MATCHED)) {
            ctx.output(TOMBSTONES, matchId(a, b));
        }
        pair.clear();
    }
}
