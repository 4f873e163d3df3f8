package io.matchstream.preference;

import static org.assertj.core.api.Assertions.assertThat;

import io.matchstream.events.SwipeAction;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.junit.jupiter.api.Test;

class SerializersTest {

    @Test
    void signalsSurviveTheRoundTripWithAndWithoutOptionalFields() throws Exception {
        for (Signal s : new Signal[] {
                Signal.swipe("ann", "bob", SwipeAction.SUPERLIKE, 7).enriched(new float[] {0.6f, -0.8f}, "v1"),
                Signal.swipe("ann", "bob", SwipeAction.PASS, 8),
                Signal.embedding("ann", new float[0], "v2", 9),
                Signal.deletion("ann", 10),
                Signal.pairPurge("ann", "bob", 11)}) {
            assertThat(roundTrip(SignalSerializer.INSTANCE, s)).isEqualTo(s);
        }
    }

    @Test
    void preferenceStateSurvivesTheRoundTrip() throws Exception {
        PreferenceState state = new PreferenceState();
        assertThat(roundTrip(PreferenceStateSerializer.INSTANCE, state)).usingRecursiveComparison().isEqualTo(state);
        state.modelVersion = "v1";
        state.likedWeight = 2.0;
        state.passedWeight = 0.5;
        state.anchor = 5;
        state.likes = 3;
        state.passes = 4;
        state.lastActivity = 6;
        state.changes = 7;
        state.emittedVersion = 6;
        state.paceAt = 8;
        state.timerAt = 9;
        state.baseWrittenAt = 12;
        state.sumsWrittenAt = 13;
        state.remember("bob", 10, true, "v1", 32);
        state.remember("cat", 11, false, null, 32);
        PreferenceState back = roundTrip(PreferenceStateSerializer.INSTANCE, state);
        assertThat(back).usingRecursiveComparison().isEqualTo(state);
        assertThat(PreferenceStateSerializer.INSTANCE.copy(state)).usingRecursiveComparison().isEqualTo(state);
    }

    @Test
    void vectorsAndTargetEmbeddingsSurviveTheRoundTrip() throws Exception {
        float[] v = {0.6f, -0.8f, Float.MIN_VALUE, 1e30f};
        assertThat(roundTrip(VectorSerializer.INSTANCE, v)).containsExactly(v);
        assertThat(roundTrip(VectorSerializer.INSTANCE, new float[0])).isEmpty();
        TargetEmbedding e = new TargetEmbedding(v, "v2", 42);
        assertThat(roundTrip(TargetEmbedding.Serializer.INSTANCE, e)).usingRecursiveComparison().isEqualTo(e);
    }

    private static <T> T roundTrip(TypeSerializer<T> serializer, T value) throws Exception {
        DataOutputSerializer out = new DataOutputSerializer(64);
        serializer.serialize(value, out);
        return serializer.deserialize(new DataInputDeserializer(out.getCopyOfBuffer()));
    }
}
