package io.matchstream.schemas;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.matchstream.events.Swipe;
import io.matchstream.events.SwipeAction;
import io.matchstream.schemas.flink.RegistryAvroDeserializationSchema;
import io.matchstream.schemas.flink.RegistryAvroSerializationSchema;
import io.matchstream.schemas.wire.InMemorySchemaRegistry;
import io.matchstream.schemas.wire.RegistryConnector;
import io.matchstream.schemas.wire.WireFormat;
import io.matchstream.schemas.wire.WireFormatException;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class FlinkSchemasTest {
    private static final InMemorySchemaRegistry REGISTRY = new InMemorySchemaRegistry();
    private static final RegistryConnector CONNECTOR = () -> REGISTRY;

    @Test
    void swipeRoundTripsThroughTheWireFormatAfterJavaSerialization() throws Exception {
        var serializer = roundTrip(new RegistryAvroSerializationSchema<>(CONNECTOR, Topics.SWIPES));
        var deserializer = roundTrip(new RegistryAvroDeserializationSchema<>(CONNECTOR, Swipe.class));
        Swipe swipe = new Swipe("e1", "ann", "bob", SwipeAction.LIKE, Instant.ofEpochMilli(1_700_000_000_000L));

        byte[] bytes = serializer.serialize(swipe);

        assertThat(bytes[0]).isEqualTo(WireFormat.MAGIC_BYTE);
        assertThat(WireFormat.schemaId(bytes)).isEqualTo(REGISTRY.lookup(Topics.SWIPES.valueSubject(), Swipe.getClassSchema()));
        assertThat(deserializer.deserialize(bytes)).isEqualTo(swipe);
        assertThat(deserializer.getProducedType().getTypeClass()).isEqualTo(Swipe.class);
    }

    @Test
    void badBytesRaiseTypedErrors() {
        var deserializer = new RegistryAvroDeserializationSchema<>(CONNECTOR, Swipe.class);
        assertThatThrownBy(() -> deserializer.deserialize(new byte[] {7, 0, 0, 0, 1, 0}))
                .isInstanceOfSatisfying(WireFormatException.class,
                        e -> assertThat(e.reason()).isEqualTo(WireFormatException.Reason.WRONG_MAGIC_BYTE));
        assertThatThrownBy(() -> deserializer.deserialize(new byte[] {0, 0, 0, 0x7f, 0x7f, 0}))
                .isInstanceOfSatisfying(WireFormatException.class,
                        e -> assertThat(e.reason()).isEqualTo(WireFormatException.Reason.UNKNOWN_SCHEMA_ID));
        assertThatThrownBy(() -> deserializer.deserialize(new byte[] {0, 0}))
                .isInstanceOfSatisfying(WireFormatException.class,
                        e -> assertThat(e.reason()).isEqualTo(WireFormatException.Reason.TRUNCATED));
    }

    @Test
    void everyTopicHasADistinctNameAndItsDeclaredPolicy() {
        assertThat(Topics.all()).extracting(Topic::name).doesNotHaveDuplicates();
        assertThat(Topics.PROFILE_EMBEDDINGS.configs()).containsEntry("cleanup.policy", "compact");
        assertThat(Topics.RAW_SWIPES.configs()).containsEntry("cleanup.policy", "delete").containsKey("retention.ms");
        assertThat(Topics.byName("dead-letters")).contains(Topics.DEAD_LETTERS);
    }

    @SuppressWarnings("unchecked")
    private static <T> T roundTrip(T object) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(object);
        }
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
            return (T) in.readObject();
        }
    }
}
