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
        float[] wide = new float[512];
        for (int i = 0; i < wide.length; i++) {
            wide[i] = (float) Math.sin(i) / 7;
        }
        PreferenceUpdateEncoder encoder = new PreferenceUpdateEncoder((RegistryConnector) () -> REGISTRY);
        encoder.open(null);
        var generic = Topics.PREFERENCE_UPDATES.valueSerializer(REGISTRY);
        for (float[][] vectors : new float[][][] {{{0.6f, -0.8f, 0f}, {0.1f, 0.2f, -0.3f}}, {{0.6f, -0.8f, 0f}, null}, {wide, wide}, {{}, {}}}) {
            float[] blended = vectors[0];
            float[] p = vectors[1];
            PreferenceVector vector = new PreferenceVector("ann", blended, p, 12, 300_000, "face-3f2a", 42, 1_750_000_000_123L);
            PreferenceUpdate record = new PreferenceUpdate("ann", list(blended), p == null ? null : list(p), 12L, 300_000L, "face-3f2a", 42L,
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
