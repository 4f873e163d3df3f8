package io.matchstream.preference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.matchstream.events.SwipeAction;
import io.matchstream.events.TrainingTriplet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.state.rocksdb.EmbeddedRocksDBStateBackend;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

class PreferenceFunctionHarnessTest {
    private static final int DIM = 16;
    private static final long HOUR = 3_600_000L;
    private static final PreferenceFunction.Settings SETTINGS = new PreferenceFunction.Settings(
            0.6, 0.4, Duration.ofHours(24), 0.0, Duration.ZERO, 1, Duration.ofMinutes(30), Duration.ofDays(90));
    private final Random random = new Random(11);

    @Test
    void blendedVectorEqualsAPlainRecomputationWithDecayAndPasses() throws Exception {
        PreferenceFunction.Settings settings = new PreferenceFunction.Settings(
                0.7, 0.3, Duration.ofHours(6), 0.5, Duration.ZERO, 1, Duration.ofMinutes(30), Duration.ofDays(90));
        float[] base = unit();
        List<Signal> swipes = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            SwipeAction action = random.nextInt(3) == 0 ? SwipeAction.PASS : random.nextBoolean() ? SwipeAction.LIKE : SwipeAction.SUPERLIKE;
            long at = 1_700_000_000_000L + (long) (random.nextDouble() * 30 * 24 * HOUR); // a month, out of order
            swipes.add(Signal.swipe("ann", "t" + i, action, at).enriched(unit(), "v1"));
        }
        try (var h = harness(settings)) {
            h.open();
            h.processElement(Signal.embedding("ann", base, "v1", 1), 0);
            for (Signal s : swipes) {
                h.processElement(s, 0);
            }
            PreferenceVector last = last(h.extractOutputValues());

            // From scratch, in doubles: weights 2^(t / halfLife), relative to any origin.
            double halfLife = settings.halfLife().toMillis();
            long origin = swipes.stream().mapToLong(s -> s.timestamp).min().orElseThrow();
            double[] liked = new double[DIM];
            double[] passed = new double[DIM];
            double likedWeight = 0;
            double passedWeight = 0;
            for (Signal s : swipes) {
                double w = Math.pow(2, (s.timestamp - origin) / halfLife);
                double[] sum = s.isLike() ? liked : passed;
                for (int d = 0; d < DIM; d++) {
                    sum[d] += w * s.vector[d];
                }
                if (s.isLike()) {
                    likedWeight += w;
                } else {
                    passedWeight += w;
                }
            }
            double[] p = new double[DIM];
            double[] e = new double[DIM];
            double norm = 0;
            for (int d = 0; d < DIM; d++) {
                p[d] = liked[d] / likedWeight - 0.5 * passed[d] / passedWeight;
                e[d] = 0.7 * base[d] + 0.3 * p[d];
                norm += e[d] * e[d];
            }
            for (int d = 0; d < DIM; d++) {
                assertThat((double) last.preference[d]).isCloseTo(p[d], within(1e-4));
                assertThat((double) last.blended[d]).isCloseTo(e[d] / Math.sqrt(norm), within(1e-4));
            }
            assertThat(last.likes + last.passes).isEqualTo(60);
            assertThat(last.modelVersion).isEqualTo("v1");
        }
    }

    @Test
    void aLikeOneHalfLifeOlderWeighsHalf() throws Exception {
        float[] older = unit();
        float[] newer = unit();
        try (var h = harness(SETTINGS)) {
            h.open();
            h.processElement(like("ann", "bob", 10 * HOUR, newer, "v1"), 0);
            h.processElement(like("ann", "cat", -14 * HOUR, older, "v1"), 0); // 24 h older, arriving later
            PreferenceVector last = last(h.extractOutputValues());
            for (int d = 0; d < DIM; d++) {
                assertThat(last.preference[d]).isCloseTo((older[d] + 2 * newer[d]) / 3, within(1e-5f));
            }
        }
    }

    @Test
    void coldStartIsTheBaseEmbeddingAndARepeatedLikeCountsOnce() throws Exception {
        float[] base = unit();
        try (var h = harness(SETTINGS)) {
            h.open();
            h.processElement(Signal.embedding("ann", base, "v1", 1), 0);
            PreferenceVector cold = last(h.extractOutputValues());
            assertThat(cold.preference).isNull();
            assertThat(cold.blended).containsExactly(base, within(1e-6f));
            Signal like = like("ann", "bob", 5, unit(), "v1");
            h.processElement(like, 0);
            h.processElement(like, 0);
            h.processElement(Signal.swipe("ann", "bob", SwipeAction.SUPERLIKE, 6).enriched(like.vector, "v1"), 0);
            List<PreferenceVector> updates = h.extractOutputValues();
            assertThat(updates).hasSize(2);
            assertThat(last(updates).likes).isEqualTo(1);
            assertThat(last(updates).version).isEqualTo(2);
        }
    }

    @Test
    void aNewModelVersionRestartsTheLikedStatistics() throws Exception {
        float[] baseV2 = unit();
        float[] likedV2 = unit();
        try (var h = harness(SETTINGS)) {
            h.open();
            h.processElement(Signal.embedding("ann", unit(), "v1", 1), 0);
            h.processElement(like("ann", "bob", 2, unit(), "v1"), 0);
            h.processElement(Signal.embedding("ann", baseV2, "v2", 3), 0);
            PreferenceVector restarted = last(h.extractOutputValues());
            assertThat(restarted.modelVersion).isEqualTo("v2");
            assertThat(restarted.preference).as("no v2 likes yet").isNull();
            assertThat(restarted.blended).containsExactly(baseV2, within(1e-6f));
            h.processElement(like("ann", "cat", 4, unit(), "v1"), 0); // a target not yet re-embedded: not averaged
            assertThat(last(h.extractOutputValues()).preference).isNull();
            h.processElement(like("ann", "dan", 5, likedV2, "v2"), 0);
            PreferenceVector last = last(h.extractOutputValues());
            assertThat(last.preference).containsExactly(likedV2, within(1e-6f));
            assertThat(last.likes).isEqualTo(3);
        }
    }

    @Test
    void updatesAreThrottledPerUserAndTheLastIsNeverLost() throws Exception {
        try (var h = annWithAPhotoAt1000(1)) {
            h.processElement(like("ann", "bob", 2, unit(), "v1"), 0);
            h.processElement(like("ann", "cat", 3, unit(), "v1"), 0);
            assertThat(h.extractOutputValues()).hasSize(1);
            h.setProcessingTime(1_499);
            assertThat(h.extractOutputValues()).hasSize(1);
            h.setProcessingTime(1_500);
            List<PreferenceVector> updates = h.extractOutputValues();
            assertThat(updates).hasSize(2);
            assertThat(last(updates).likes).isEqualTo(2);
            assertThat(last(updates).version).isEqualTo(3);
            h.setProcessingTime(5_000);
            assertThat(h.extractOutputValues()).as("nothing changed since").hasSize(2);
        }
    }

    @Test
    void aBurstOfUpdatesGoesOutAtOnceAndAFasterPaceKeptUpIsHeldToOnePerInterval() throws Exception {
        try (var h = annWithAPhotoAt1000(2)) {
            h.processElement(like("ann", "bob", 2, unit(), "v1"), 0);
            assertThat(h.extractOutputValues()).as("two at once").hasSize(2);
            h.processElement(like("ann", "cat", 3, unit(), "v1"), 0);
            h.setProcessingTime(1_499);
            assertThat(h.extractOutputValues()).as("the third waits an interval").hasSize(2);
            h.setProcessingTime(1_500);
            assertThat(last(h.extractOutputValues()).likes).isEqualTo(2);
            h.setProcessingTime(1_600);
            h.processElement(like("ann", "dan", 4, unit(), "v1"), 0);
            h.setProcessingTime(1_999);
            assertThat(h.extractOutputValues()).as("one per interval while the pace is kept up").hasSize(3);
            h.setProcessingTime(2_000);
            assertThat(h.extractOutputValues()).hasSize(4);
            h.setProcessingTime(10_000);
            h.processElement(like("ann", "eve", 5, unit(), "v1"), 0);
            h.processElement(like("ann", "fay", 6, unit(), "v1"), 0);
            List<PreferenceVector> updates = h.extractOutputValues();
            assertThat(updates).as("after a pause, a burst again").hasSize(6);
            assertThat(last(updates).likes).isEqualTo(5);
            assertThat(last(updates).version).isEqualTo(6);
        }
    }

    @Test
    void aPassWithinTheWindowOfALikeMakesOneTripletWhicheverArrivesFirst() throws Exception {
        try (var h = harness(SETTINGS)) {
            h.open();
            h.processElement(like("ann", "bob", 1_000, unit(), "v1"), 0);
            h.processElement(pass("ann", "cat", 61_000, unit(), "v1"), 0);
            h.processElement(pass("ann", "eve", 1_000 + 31 * 60_000, unit(), "v1"), 0); // outside bob's window
            h.processElement(pass("ann", "fay", 200_000, unit(), "v1"), 0);
            h.processElement(like("ann", "dan", 100_000, unit(), "v1"), 0); // earlier than fay's pass, arrives later
            List<String> triplets = h.getSideOutput(PreferenceFunction.TRIPLETS).stream().map(StreamRecord::getValue)
                    .map(t -> t.getAnchorUserId() + ":" + t.getPositiveUserId() + ">" + t.getNegativeUserId() + "@" + t.getModelVersion())
                    .toList();
            // Not bob>fay: bob's like was forgotten when eve's pass moved ann's clock a window past it.
            assertThat(triplets).containsExactlyInAnyOrder("ann:bob>cat@v1", "ann:dan>fay@v1", "ann:dan>eve@v1");
        }
    }

    @Test
    void deletionPurgesTheUserAndThePairsTheyStarted() throws Exception {
        try (var h = harness(SETTINGS)) {
            h.open();
            h.processElement(Signal.embedding("ann", unit(), "v1", 1), 0);
            h.processElement(like("ann", "bob", 2, unit(), "v1"), 0);
            h.processElement(pass("ann", "cat", 3, unit(), "v1"), 0);
            h.processElement(Signal.deletion("ann", 4), 0);
            assertThat(h.getSideOutput(PreferenceFunction.PAIR_PURGES)).extracting(r -> r.getValue().other)
                    .containsExactlyInAnyOrder("bob", "cat");
            assertThat(h.extractOutputValues()).filteredOn(PreferenceVector::isTombstone).extracting(v -> v.userId).containsExactly("ann");
            h.processElement(like("ann", "bob", 5, unit(), "v1"), 0);
            PreferenceVector fresh = last(h.extractOutputValues());
            assertThat(fresh.isTombstone()).isFalse();
            assertThat(fresh.likes).as("nothing of the old state is left").isEqualTo(1);
            assertThat(fresh.passes).isZero();
        }
    }

    @Test
    void activityKeepsAllOfAUsersStateAndInactivityForTheTtlForgetsIt() throws Exception {
        long day = 24 * HOUR;
        PreferenceFunction.Settings settings = new PreferenceFunction.Settings(
                0.6, 0.4, Duration.ZERO, 0.0, Duration.ZERO, 1, Duration.ofMinutes(30), Duration.ofDays(8));
        float[] base = unit();
        float[] liked = unit();
        try (var h = harness(settings)) {
            h.open();
            at(h, 0);
            h.processElement(Signal.embedding("ann", base, "v1", 0), 0);
            for (int i = 1; i <= 5; i++) { // a like every 5 days: the photo of day 0 is never 8 days from the last activity
                at(h, 5 * i * day);
                h.processElement(like("ann", "t" + i, 5 * i * day, liked, "v1"), 0);
            }
            PreferenceVector active = last(h.extractOutputValues());
            assertThat(active.likes).isEqualTo(5);
            assertThat(active.blended).as("still blended with the photo of day 0")
                    .containsExactly(PreferenceState.blend(base, liked, 0.6, 0.4), within(1e-6f));

            at(h, 25 * day + 8 * day + 1); // 8 days after the last like
            h.processElement(like("ann", "u", 33 * day, liked, "v1"), 0);
            PreferenceVector fresh = last(h.extractOutputValues());
            assertThat(fresh.likes).as("the statistics expired").isEqualTo(1);
            assertThat(fresh.blended).as("and the photo with them").containsExactly(PreferenceState.blend(null, liked, 0.6, 0.4), within(1e-6f));
        }
    }

    private static void at(KeyedOneInputStreamOperatorTestHarness<String, Signal, PreferenceVector> h, long time) throws Exception {
        h.setProcessingTime(time);
        h.setStateTtlProcessingTime(time);
    }

    @Test
    void aRestoredFunctionContinuesExactlyWhereItStopped() throws Exception {
        List<Signal> signals = new ArrayList<>();
        signals.add(Signal.embedding("ann", unit(), "v1", 1));
        for (int i = 0; i < 40; i++) {
            signals.add((i % 3 == 0 ? pass("ann", "t" + i, 10 + i, unit(), "v1") : like("ann", "t" + i, 10 + i, unit(), "v1")));
        }
        PreferenceVector uninterrupted;
        try (var h = harness(SETTINGS)) {
            h.open();
            for (Signal s : signals) {
                h.processElement(s, 0);
            }
            uninterrupted = last(h.extractOutputValues());
        }
        OperatorSubtaskState snapshot;
        try (var h = harness(SETTINGS)) {
            h.open();
            for (Signal s : signals.subList(0, 20)) {
                h.processElement(s, 0);
            }
            snapshot = h.snapshot(1, 1);
        }
        try (var h = harness(SETTINGS)) {
            h.initializeState(snapshot);
            h.open();
            for (Signal s : signals.subList(20, 41)) {
                h.processElement(s, 0);
            }
            PreferenceVector restored = last(h.extractOutputValues());
            assertThat(restored.likes).isEqualTo(uninterrupted.likes);
            assertThat(restored.passes).isEqualTo(uninterrupted.passes);
            assertThat(restored.version).isEqualTo(uninterrupted.version);
            assertThat(restored.blended).containsExactly(uninterrupted.blended, within(1e-6f));
        }
    }

    /** Updates paced to one per 500 ms with {@code burst} at once; ann's photo arrives at processing time 1,000. */
    private KeyedOneInputStreamOperatorTestHarness<String, Signal, PreferenceVector> annWithAPhotoAt1000(int burst) throws Exception {
        var h = harness(new PreferenceFunction.Settings(
                0.6, 0.4, Duration.ofHours(24), 0.0, Duration.ofMillis(500), burst, Duration.ofMinutes(30), Duration.ofDays(90)));
        h.open();
        h.setProcessingTime(1_000);
        h.processElement(Signal.embedding("ann", unit(), "v1", 1), 0);
        return h;
    }

    private KeyedOneInputStreamOperatorTestHarness<String, Signal, PreferenceVector> harness(PreferenceFunction.Settings settings) throws Exception {
        var h = new KeyedOneInputStreamOperatorTestHarness<>(new KeyedProcessOperator<>(new PreferenceFunction(settings)),
                (Signal s) -> s.user, Types.STRING);
        h.setStateBackend(new EmbeddedRocksDBStateBackend());
        return h;
    }

    static Signal like(String swiper, String target, long at, float[] vector, String version) {
        return Signal.swipe(swiper, target, SwipeAction.LIKE, at).enriched(vector, version);
    }

    static Signal pass(String swiper, String target, long at, float[] vector, String version) {
        return Signal.swipe(swiper, target, SwipeAction.PASS, at).enriched(vector, version);
    }

    private float[] unit() {
        return unit(random, DIM);
    }

    /** A random direction: a Gaussian sample, L2-normalised. */
    static float[] unit(Random random, int dim) {
        float[] v = new float[dim];
        double norm = 0;
        for (int i = 0; i < dim; i++) {
            v[i] = (float) random.nextGaussian();
            norm += v[i] * v[i];
        }
        for (int i = 0; i < dim; i++) {
            v[i] /= (float) Math.sqrt(norm);
        }
        return v;
    }

    private static PreferenceVector last(List<PreferenceVector> updates) {
        assertThat(updates).isNotEmpty();
        return updates.get(updates.size() - 1);
    }

    static float[] floats(List<Float> values) {
        float[] out = new float[values.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = values.get(i);
        }
        return out;
    }
}
