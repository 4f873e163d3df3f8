package io.matchstream.preference;

import static org.assertj.core.api.Assertions.assertThat;

import io.matchstream.events.PreferenceUpdate;
import io.matchstream.schemas.Topics;
import io.matchstream.schemas.wire.InMemorySchemaRegistry;
import io.matchstream.schemas.wire.RegistryConnector;
import io.matchstream.schemas.wire.SchemaRegistry;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class PreferenceUpdateEncoderTest {
    private static final SchemaRegistry REGISTRY = new InMemorySchemaRegistry();

    @Test
    void writesTheSameBytesAsTheGenericAvroWriter() throws Exception {
        float[] blended = {0.6f, -0.8f, 0f};
        float[] preference = {0.1f, 0.2f, -0.3f};
        PreferenceUpdateEncoder encoder = new PreferenceUpdateEncoder((RegistryConnector) () -> REGISTRY);
        encoder.open(null);
        var generic = Topics.PREFERENCE_UPDATES.valueSerializer(REGISTRY);
        for (float[] p : new float[][] {preference, null}) {
            PreferenceVector vector = new PreferenceVector("ann", blended, p, 12, 30, "face-3f2a", 42, 1_750_000_000_123L);
            PreferenceUpdate record = new PreferenceUpdate("ann", list(blended), p == null ? null : list(p), 12L, 30L, "face-3f2a", 42L,
                    Instant.ofEpochMilli(1_750_000_000_123L));
            assertThat(encoder.map(vector).value).isEqualTo(generic.serialize(Topics.PREFERENCE_UPDATES.name(), record));
        }
    }

    private static List<Float> list(float[] values) {
        List<Float> out = new ArrayList<>();
        for (float v : values) {
            out.add(v);
        }
        return out;
    }
}
