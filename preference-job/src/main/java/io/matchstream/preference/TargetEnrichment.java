package io.matchstream.preference;

import java.time.Duration;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
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
 * Keyed by the swipe's target (or the embedding's / deletion's user): keeps each user's latest embedding and
 * attaches it to every swipe on that user, so the swiper's {@link PreferenceFunction} can average what they
 * liked. A swipe on a user whose embedding has not arrived yet waits up to {@code maxWait} (the embedding job
 * may lag the swipe); after that it goes on without a vector and counts, but moves no vector.
 *
 * <p>The embedding expires {@code stateTtl} after it was last written or read, as the user's other state: to
 * spare a 2 KiB write on every read, a read rewrites it only once it is {@code refresh} old (an eighth of
 * the TTL), and it lives {@code stateTtl + refresh} from its last write.
 *
 * <p>It also keeps who swiped this user: when the user is deleted, every pair that mentions them is purged
 * from {@link MatchDetector} (the pairs this user started are purged by {@link PreferenceFunction}).
 */
public class TargetEnrichment extends KeyedProcessFunction<String, Signal, Signal> {
    public static final OutputTag<Signal> PAIR_PURGES = new OutputTag<>("pair-purges-by-target", SignalSerializer.TYPE);

    private final Duration maxWait;
    private final Duration stateTtl;
    private final boolean vectorsOnPasses;
    private transient ValueState<TargetEmbedding> embedding;
    private transient long refreshMillis;
    private transient MapState<String, Boolean> swipedBy;
    private transient ListState<Signal> waiting;
    private transient ValueState<Long> waitTimer;

    /**
     * @param vectorsOnPasses whether a pass carries the target's vector too (only when passes move the
     *     preference); without it a pass carries only the target's model version, for training triplets
     */
    public TargetEnrichment(Duration maxWait, Duration stateTtl, boolean vectorsOnPasses) {
        this.maxWait = maxWait;
        this.stateTtl = stateTtl;
        this.vectorsOnPasses = vectorsOnPasses;
    }

    @Override
    public void open(OpenContext context) {
        StateTtlConfig ttl = PreferenceFunction.inactivityTtl(stateTtl);
        Duration refresh = PreferenceFunction.refreshAfter(stateTtl);
        refreshMillis = refresh.toMillis();
        var embeddingDescriptor = new ValueStateDescriptor<>("embedding", TargetEmbedding.Serializer.TYPE);
        embeddingDescriptor.enableTimeToLive(PreferenceFunction.writeTtl(stateTtl.plus(refresh)));
        embedding = getRuntimeContext().getState(embeddingDescriptor);
        var swipedByDescriptor = new MapStateDescriptor<>("swiped-by", Types.STRING, Types.BOOLEAN);
        swipedByDescriptor.enableTimeToLive(ttl);
        swipedBy = getRuntimeContext().getMapState(swipedByDescriptor);
        waiting = getRuntimeContext().getListState(new ListStateDescriptor<>("waiting", SignalSerializer.TYPE));
        waitTimer = getRuntimeContext().getState(new ValueStateDescriptor<>("wait-timer", Types.LONG));
    }

    @Override
    public void processElement(Signal signal, Context ctx, Collector<Signal> out) throws Exception {
        switch (signal.kind) {
            case SWIPE -> {
                swipedBy.put(signal.user, Boolean.TRUE);
                TargetEmbedding target = embedding.value();
                if (target != null) {
                    long now = ctx.timerService().currentProcessingTime();
                    if (now - target.writtenAt >= refreshMillis) {
                        embedding.update(new TargetEmbedding(target.vector, target.modelVersion, now));
                    }
                    out.collect(enrich(signal, target));
                } else {
                    waiting.add(signal.copy()); // with object reuse the input may be overwritten
                    if (waitTimer.value() == null) {
                        long at = ctx.timerService().currentProcessingTime() + maxWait.toMillis();
                        ctx.timerService().registerProcessingTimeTimer(at);
                        waitTimer.update(at);
                    }
                }
            }
            case EMBEDDING -> {
                TargetEmbedding target = new TargetEmbedding(signal.vector, signal.modelVersion,
                        ctx.timerService().currentProcessingTime());
                embedding.update(target);
                out.collect(signal); // the user's own embedding is their base: on to their PreferenceFunction
                release(ctx, out, target);
            }
            case DELETION -> {
                for (String swiper : swipedBy.keys()) {
                    ctx.output(PAIR_PURGES, Signal.pairPurge(signal.user, swiper, signal.timestamp));
                }
                release(ctx, out, null);
                embedding.clear();
                swipedBy.clear();
                out.collect(signal);
            }
            case PAIR_PURGE -> throw new IllegalArgumentException("pair purges go to the match detector: " + signal);
        }
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<Signal> out) throws Exception {
        release(ctx, out, null);
    }

    private Signal enrich(Signal swipe, TargetEmbedding target) {
        boolean vector = vectorsOnPasses || swipe.action != io.matchstream.events.SwipeAction.PASS;
        return swipe.enriched(vector ? target.vector : null, target.modelVersion);
    }

    /** Sends the swipes that waited for this user's embedding on, with it where there is one. */
    private void release(Context ctx, Collector<Signal> out, TargetEmbedding target) throws Exception {
        for (Signal swipe : waiting.get()) {
            out.collect(target == null ? swipe : enrich(swipe, target));
        }
        waiting.clear();
        Long timer = waitTimer.value();
        if (timer != null) {
            ctx.timerService().deleteProcessingTimeTimer(timer);
            waitTimer.clear();
        }
    }
}
