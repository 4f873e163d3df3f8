package io.matchstream.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.matchstream.embedded.EmbeddedKafkaBroker;
import io.matchstream.events.RawSwipe;
import io.matchstream.schemas.wire.AvroDeserializer;
import io.matchstream.schemas.wire.AvroSerializer;
import io.matchstream.schemas.wire.GenericAvroDeserializer;
import io.matchstream.schemas.wire.SchemaRegistryClient;
import io.matchstream.schemas.wire.WireFormat;
import io.matchstream.schemas.wire.WireFormatException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Instant;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The project's own serdes against this registry: the path every Kafka record of matchstream takes. */
class SerdeRoundTripTest {
    @TempDir
    static Path dataDir;
    static RunningRegistry registry;
    static EmbeddedKafkaBroker broker;
    static SchemaRegistryServer server;
    static SchemaRegistryClient client;

    static final RawSwipe SWIPE = RawSwipe.newBuilder()
            .setEventId("e-1").setSwiperId("alice").setTargetId("bob").setAction("LIKE")
            .setTimestamp(Instant.ofEpochMilli(1_700_000_000_000L))
            .build();

    @BeforeAll
    static void startRegistry() {
        registry = RunningRegistry.start(dataDir);
        broker = registry.broker;
        server = registry.server;
        client = new SchemaRegistryClient(server.url());
    }

    @AfterAll
    static void stop() {
        if (registry != null) {
            registry.close();
        }
    }

    @Test
    void aGeneratedRecordRoundTripsThroughTheRegistry() {
        byte[] bytes = new AvroSerializer<RawSwipe>(client, true).serialize("swipes-raw", SWIPE);

        int id = WireFormat.schemaId(bytes);
        assertThat(bytes[0]).isEqualTo(WireFormat.MAGIC_BYTE);
        assertThat(new RestCalls(server.url()).get("/subjects/swipes-raw-value/versions/latest").body().get("id").asInt())
                .isEqualTo(id);
        // A fresh client, so the schema comes from the registry, not from the serializer's cache.
        SchemaRegistryClient reader = new SchemaRegistryClient(server.url());
        assertThat(new AvroDeserializer<>(reader, RawSwipe.class).deserialize("swipes-raw", bytes)).isEqualTo(SWIPE);
        GenericRecord generic = new GenericAvroDeserializer(reader).deserialize("swipes-raw", bytes);
        assertThat(generic.get("swiperId").toString()).isEqualTo("alice");
        assertThat(generic.get("timestamp")).isEqualTo(1_700_000_000_000L);
    }

    @Test
    void withoutAutoRegisterTheSchemaMustAlreadyBeThere() {
        new AvroSerializer<RawSwipe>(client, true).serialize("swipes-preregistered", SWIPE);
        byte[] bytes = new AvroSerializer<RawSwipe>(new SchemaRegistryClient(server.url()), false)
                .serialize("swipes-preregistered", SWIPE);
        assertThat(new AvroDeserializer<>(client, RawSwipe.class).deserialize("swipes-preregistered", bytes)).isEqualTo(SWIPE);
    }

    @Test
    void aWrongMagicByteIsRejected() {
        byte[] bytes = new AvroSerializer<RawSwipe>(client, true).serialize("swipes-magic", SWIPE);
        bytes[0] = 1;

        assertThatThrownBy(() -> new AvroDeserializer<>(client, RawSwipe.class).deserialize("swipes-magic", bytes))
                .isInstanceOfSatisfying(WireFormatException.class,
                        e -> assertThat(e.reason()).isEqualTo(WireFormatException.Reason.WRONG_MAGIC_BYTE));
    }

    @Test
    void anIdTheRegistryNeverGaveIsUnknown() {
        byte[] bytes = new AvroSerializer<RawSwipe>(client, true).serialize("swipes-unknown", SWIPE);
        ByteBuffer.wrap(bytes).putInt(1, 777_777);

        assertThatThrownBy(() -> new AvroDeserializer<>(new SchemaRegistryClient(server.url()), RawSwipe.class)
                .deserialize("swipes-unknown", bytes))
                .isInstanceOfSatisfying(WireFormatException.class,
                        e -> assertThat(e.reason()).isEqualTo(WireFormatException.Reason.UNKNOWN_SCHEMA_ID));
        assertThatThrownBy(() -> new GenericAvroDeserializer(new SchemaRegistryClient(server.url()))
                .deserialize("swipes-unknown", bytes))
                .isInstanceOfSatisfying(WireFormatException.class,
                        e -> assertThat(e.reason()).isEqualTo(WireFormatException.Reason.UNKNOWN_SCHEMA_ID));
    }

    @Test
    void recordsWrittenWithAnOlderVersionAreReadWithTheNewOne() {
        // v1 of RawSwipe had no action; v2 (the generated class) added it with a null default.
        Schema v1 = SchemaBuilder.record("RawSwipe").namespace("io.matchstream.events").fields()
                .optionalString("eventId")
                .optionalString("swiperId")
                .optionalString("targetId")
                .name("timestamp").type(SchemaBuilder.builder().longType()).noDefault()
                .endRecord();
        GenericRecord old = new GenericData.Record(v1);
        old.put("eventId", "e-old");
        old.put("swiperId", "carol");
        old.put("targetId", "dave");
        old.put("timestamp", 1_600_000_000_000L);
        byte[] v1Bytes = new AvroSerializer<GenericRecord>(client, true).serialize("swipes-evolving", old);
        int v2Id = client.register("swipes-evolving-value", RawSwipe.getClassSchema());

        assertThat(v2Id).isNotEqualTo(WireFormat.schemaId(v1Bytes));
        assertThat(new RestCalls(server.url()).get("/subjects/swipes-evolving-value/versions").body().toString())
                .isEqualTo("[1,2]");
        RawSwipe read = new AvroDeserializer<>(new SchemaRegistryClient(server.url()), RawSwipe.class)
                .deserialize("swipes-evolving", v1Bytes);
        assertThat(read.getEventId()).isEqualTo("e-old");
        assertThat(read.getSwiperId()).isEqualTo("carol");
        assertThat(read.getAction()).isNull();
        assertThat(read.getTimestamp()).isEqualTo(Instant.ofEpochMilli(1_600_000_000_000L));
    }
}
