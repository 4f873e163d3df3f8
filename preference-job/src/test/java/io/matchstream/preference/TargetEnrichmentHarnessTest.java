package io.matchstream.preference;

import static org.assertj.core.api.Assertions.assertThat;

import io.matchstream.events.SwipeAction;
import java.time.Duration;
import java.util.List;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.state.rocksdb.EmbeddedRocksDBStateBackend;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

class TargetEnrichmentHarnessTest {
    private static final float[] BOB = {0.6f, 0.8f};

    @Test
    void aSwipeCarriesItsTargetsLatestEmbedding() throws Exception {
        try (var h = harness()) {
            h.open();
            h.processElement(Signal.embedding("bob", BOB, "v1", 1), 0);
            h.processElement(Signal.swipe("ann", "bob", SwipeAction.LIKE, 2), 0);
            List<Signal> out = h.extractOutputValues();
            assertThat(out).extracting(s -> s.kind).containsExactly(Signal.Kind.EMBEDDING, Signal.Kind.SWIPE);
            assertThat(out.get(1).user).isEqualTo("ann");
            assertThat(out.get(1).vector).containsExactly(BOB);
            assertThat(out.get(1).modelVersion).isEqualTo("v1");
        }
    }

    @Test
    void aSwipeWaitsForAnEmbeddingThatLagsAndGoesOnWithoutOneAfterTheWait() throws Exception {
        try (var h = harness()) {
            h.open();
            h.setProcessingTime(0);
            h.processElement(Signal.swipe("ann", "bob", SwipeAction.LIKE, 2), 0);
            h.processElement(Signal.swipe("cat", "dan", SwipeAction.PASS, 3), 0);
            assertThat(h.extractOutputValues()).isEmpty();
            h.processElement(Signal.embedding("bob", BOB, "v1", 4), 0);
            assertThat(h.extractOutputValues()).extracting(s -> s.kind + ":" + s.user + ":" + (s.vector != null))
                    .containsExactly("EMBEDDING:bob:true", "SWIPE:ann:true");
            h.setProcessingTime(60_000);
            assertThat(h.extractOutputValues()).extracting(s -> s.user + ":" + (s.vector != null))
                    .containsExactly("bob:true", "ann:true", "cat:false");
        }
    }

    @Test
    void deletingATargetPurgesThePairsOfEveryoneWhoSwipedThem() throws Exception {
        try (var h = harness()) {
            h.open();
            h.processElement(Signal.embedding("bob", BOB, "v1", 1), 0);
            h.processElement(Signal.swipe("ann", "bob", SwipeAction.LIKE, 2), 0);
            h.processElement(Signal.swipe("cat", "bob", SwipeAction.BLOCK, 3), 0);
            h.processElement(Signal.deletion("bob", 4), 0);
            assertThat(h.getSideOutput(TargetEnrichment.PAIR_PURGES)).extracting(r -> r.getValue().pair())
                    .containsExactlyInAnyOrder(MatchDetector.pairKey("ann", "bob"), MatchDetector.pairKey("bob", "cat"));
            h.processElement(Signal.swipe("ann", "bob", SwipeAction.LIKE, 5), 0);
            assertThat(h.extractOutputValues()).as("bob's embedding is gone: the swipe waits")
                    .extracting(s -> s.kind).containsExactly(Signal.Kind.EMBEDDING, Signal.Kind.SWIPE, Signal.Kind.SWIPE, Signal.Kind.DELETION);
        }
    }

    private KeyedOneInputStreamOperatorTestHarness<String, Signal, Signal> harness() throws Exception {
        var h = new KeyedOneInputStreamOperatorTestHarness<>(
                new KeyedProcessOperator<>(new TargetEnrichment(Duration.ofSeconds(60), Duration.ofDays(90), true)),
                Signal::subject, Types.STRING);
        h.setStateBackend(new EmbeddedRocksDBStateBackend());
        return h;
    }
}
