package io.matchstream.preference;

import static org.assertj.core.api.Assertions.assertThat;

import io.matchstream.events.Match;
import io.matchstream.events.MatchStatus;
import io.matchstream.events.SwipeAction;
import java.time.Duration;
import java.util.List;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.state.rocksdb.EmbeddedRocksDBStateBackend;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

class MatchDetectorHarnessTest {
    private static final Duration TTL = Duration.ofDays(180);
    private int next;

    @Test
    void mutualLikeMakesExactlyOneMatchWithADeterministicId() throws Exception {
        try (var h = harness()) {
            h.open();
            h.processElement(swipe("bob", "ann", SwipeAction.LIKE), 0);
            assertThat(h.extractOutputValues()).isEmpty();
            h.processElement(swipe("ann", "bob", SwipeAction.SUPERLIKE), 0);
            h.processElement(swipe("ann", "bob", SwipeAction.LIKE), 0); // a repeat changes nothing
            h.processElement(swipe("bob", "ann", SwipeAction.LIKE), 0);
            List<Match> matches = h.extractOutputValues();
            assertThat(matches).hasSize(1);
            Match m = matches.get(0);
            assertThat(m.getUserA()).isEqualTo("ann");
            assertThat(m.getUserB()).isEqualTo("bob");
            assertThat(m.getStatus()).isEqualTo(MatchStatus.MATCHED);
            assertThat(m.getMatchId()).isEqualTo(MatchDetector.matchId("ann", "bob")).startsWith("m-");
        }
    }

    @Test
    void passOrOneSidedLikeIsNoMatch() throws Exception {
        try (var h = harness()) {
            h.open();
            h.processElement(swipe("ann", "bob", SwipeAction.LIKE), 0);
            h.processElement(swipe("bob", "ann", SwipeAction.PASS), 0);
            h.processElement(swipe("cat", "dan", SwipeAction.LIKE), 0);
            assertThat(h.extractOutputValues()).isEmpty();
        }
    }

    @Test
    void blockPreventsAMatchForGood() throws Exception {
        try (var h = harness()) {
            h.open();
            h.processElement(swipe("ann", "bob", SwipeAction.LIKE), 0);
            h.processElement(swipe("bob", "ann", SwipeAction.BLOCK), 0);
            h.processElement(swipe("bob", "ann", SwipeAction.LIKE), 0);
            assertThat(h.extractOutputValues()).isEmpty();
        }
    }

    @Test
    void blockAfterAMatchCancelsItOnce() throws Exception {
        try (var h = harness()) {
            h.open();
            h.processElement(swipe("ann", "bob", SwipeAction.LIKE), 0);
            h.processElement(swipe("bob", "ann", SwipeAction.LIKE), 0);
            h.processElement(swipe("ann", "bob", SwipeAction.BLOCK), 0);
            h.processElement(swipe("bob", "ann", SwipeAction.BLOCK), 0);
            assertThat(h.extractOutputValues()).extracting(Match::getStatus)
                    .containsExactly(MatchStatus.MATCHED, MatchStatus.UNMATCHED);
        }
    }

    @Test
    void aReplayAfterRestoreDoesNotMatchTwice() throws Exception {
        OperatorSubtaskState snapshot;
        Signal first = swipe("ann", "bob", SwipeAction.LIKE);
        Signal second = swipe("bob", "ann", SwipeAction.LIKE);
        try (var h = harness()) {
            h.open();
            h.processElement(first, 0);
            h.processElement(second, 0);
            assertThat(h.extractOutputValues()).hasSize(1);
            snapshot = h.snapshot(1, 1);
        }
        try (var restored = harness()) {
            restored.initializeState(snapshot);
            restored.open();
            restored.processElement(first, 0); // the source replays from an older offset
            restored.processElement(second, 0);
            assertThat(restored.extractOutputValues()).isEmpty();
        }
    }

    @Test
    void inactivePairsAreForgottenAfterTheirTtl() throws Exception {
        try (var h = harness()) {
            h.setStateTtlProcessingTime(0);
            h.open();
            h.processElement(swipe("ann", "bob", SwipeAction.LIKE), 0);
            h.setStateTtlProcessingTime(TTL.toMillis() + 1);
            h.processElement(swipe("bob", "ann", SwipeAction.LIKE), 0);
            assertThat(h.extractOutputValues()).isEmpty();
        }
    }

    private KeyedOneInputStreamOperatorTestHarness<String, Signal, Match> harness() throws Exception {
        var h = new KeyedOneInputStreamOperatorTestHarness<>(new KeyedProcessOperator<>(new MatchDetector(TTL)),
                Signal::pair, Types.STRING);
        h.setStateBackend(new EmbeddedRocksDBStateBackend());
        return h;
    }

    @Test
    void deletingAUserCancelsTheirMatchAndTombstonesIt() throws Exception {
        try (var h = harness()) {
            h.open();
            h.processElement(swipe("ann", "bob", SwipeAction.LIKE), 0);
            h.processElement(swipe("bob", "ann", SwipeAction.LIKE), 0);
            h.processElement(swipe("ann", "cat", SwipeAction.LIKE), 0);
            h.processElement(Signal.pairPurge("bob", "ann", 5), 0);
            h.processElement(Signal.pairPurge("cat", "ann", 5), 0);
            assertThat(h.extractOutputValues()).extracting(Match::getStatus)
                    .containsExactly(MatchStatus.MATCHED, MatchStatus.UNMATCHED);
            assertThat(h.getSideOutput(MatchDetector.TOMBSTONES)).extracting(r -> r.getValue())
                    .containsExactly(MatchDetector.matchId("ann", "bob"));
            // The pairs' state is gone: cat's like back finds no like of ann's to match.
            h.processElement(swipe("cat", "ann", SwipeAction.LIKE), 0);
            assertThat(h.extractOutputValues()).hasSize(2);
        }
    }

    private Signal swipe(String from, String to, SwipeAction action) {
        next++;
        return Signal.swipe(from, to, action, 1_700_000_000_000L + next);
    }
}
