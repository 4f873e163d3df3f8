package io.matchstream.preference;

import io.matchstream.events.Match;
import io.matchstream.events.MatchStatus;
import io.matchstream.events.Swipe;
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

/**
 * Keyed by the unordered pair of users: a LIKE or SUPERLIKE from both sides makes one match; a BLOCK from
 * either side prevents it for good, or cancels it with an unmatch. Each pair's history is one byte of
 * state, so a replay after a restore cannot emit a match twice (exactly once with the transactional sink).
 * Pairs inactive for the state TTL are forgotten.
 */
public class MatchDetector extends KeyedProcessFunction<String, Swipe, Match> {
    private final Duration stateTtl;
    private transient ValueState<Byte> pair;

    public MatchDetector(Duration stateTtl) {
        this.stateTtl = stateTtl;
    }

    /** The state key of the pair, the same whoever swiped. */
    public static String pairKey(Swipe swipe) {
        return pairKey(swipe.getSwiperId(), swipe.getTargetId());
    }

    static String pairKey(String one, String other) {
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
    public void processElement(Swipe swipe, Context ctx, Collector<Match> out) throws Exception {
        String swiper = swipe.getSwiperId();
        String target = swipe.getTargetId();
        boolean swiperIsA = swiper.compareTo(target) < 0;
        String a = swiperIsA ? swiper : target;
        String b = swiperIsA ? target : swiper;
        Byte stored = pair.value();
        byte state = stored == null ? 0 : stored;
        byte next = state;
        switch (swipe.getAction()) {
            case LIKE, SUPERLIKE -> next |= swiperIsA ? PairState.A_LIKES_B : PairState.B_LIKES_A;
            case BLOCK -> next |= PairState.BLOCKED;
            case PASS -> { } // a pass after a like does not take the like back
        }
        boolean bothLike = PairState.has(next, PairState.A_LIKES_B) && PairState.has(next, PairState.B_LIKES_A);
        boolean blocked = PairState.has(next, PairState.BLOCKED);
        boolean matched = PairState.has(state, PairState.MATCHED);
        if (bothLike && !blocked && !matched) {
            next |= PairState.MATCHED;
            out.collect(new Match(matchId(a, b), a, b, MatchStatus.MATCHED, swipe.getTimestamp()));
        } else if (blocked && matched) {
            next &= ~PairState.MATCHED;
            out.collect(new Match(matchId(a, b), a, b, MatchStatus.UNMATCHED, swipe.getTimestamp()));
        }
        if (next != state || stored == null) {
            pair.update(next);
        }
    }
}
