package io.matchstream.preference;

import io.matchstream.events.PreferenceUpdate;
import io.matchstream.schemas.Topics;
import io.matchstream.schemas.flink.Outgoing;
import io.matchstream.schemas.wire.RegistryConnector;
import io.matchstream.schemas.wire.WireFormat;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichMapFunction;

/**
 * Writes a {@link PreferenceVector} as a {@code PreferenceUpdate} in the registry's wire format, field by
 * field from the primitive arrays. The generic Avro writer, boxing 1,024 floats per update, took a third
 * of the job's CPU. A deleted user's tombstone is written as a null value. A test pins these bytes to the generic writer's for the same record, so a schema change
 * that this class misses fails the build.
 */
public class PreferenceUpdateEncoder extends RichMapFunction<PreferenceVector, Outgoing> {
    private final RegistryConnector registry;
    private transient int schemaId;

    public PreferenceUpdateEncoder(RegistryConnector registry) {
        this.registry = registry;
    }

    @Override
    public void open(OpenContext context) {
        schemaId = registry.connect().register(Topics.PREFERENCE_UPDATES.name() + "-value", PreferenceUpdate.getClassSchema());
    }

    @Override
    public Outgoing map(PreferenceVector update) {
        return new Outgoing(Topics.PREFERENCE_UPDATES.name(), update.userId.getBytes(StandardCharsets.UTF_8),
                update.isTombstone() ? null : encode(update));
    }

    byte[] encode(PreferenceVector update) {
        byte[] user = update.userId.getBytes(StandardCharsets.UTF_8);
        byte[] model = update.modelVersion.getBytes(StandardCharsets.UTF_8);
        int floats = update.blended.length + (update.preference == null ? 0 : update.preference.length);
        ByteBuffer out = ByteBuffer.allocate(WireFormat.HEADER_SIZE + 4 * floats + user.length + model.length + 8 * 10)
                .order(ByteOrder.LITTLE_ENDIAN); // Avro floats are little-endian
        out.put(WireFormat.MAGIC_BYTE);
        out.put((byte) (schemaId >>> 24)).put((byte) (schemaId >>> 16)).put((byte) (schemaId >>> 8)).put((byte) schemaId);
        writeLong(out, user.length);
        out.put(user);
        writeFloats(out, update.blended);
        if (update.preference == null) {
            writeLong(out, 0); // union branch 0: null
        } else {
            writeLong(out, 1);
            writeFloats(out, update.preference);
        }
        writeLong(out, update.likes);
        writeLong(out, update.passes);
        writeLong(out, model.length);
        out.put(model);
        writeLong(out, update.version);
        writeLong(out, update.timestamp);
        return Arrays.copyOf(out.array(), out.position());
    }

    /** An Avro array: one block of n items, then the empty block. */
    private static void writeFloats(ByteBuffer out, float[] values) {
        if (values.length > 0) {
            writeLong(out, values.length);
            for (float v : values) {
                out.putFloat(v);
            }
        }
        writeLong(out, 0);
    }

    /** Avro's zig-zag variable-length long (ints are the same encoding). */
    private static void writeLong(ByteBuffer out, long value) {
        long n = (value << 1) ^ (value >> 63);
        while ((n & ~0x7FL) != 0) {
            out.put((byte) ((n & 0x7F) | 0x80));
            n >>>= 7;
        }
        out.put((byte) n);
    }
}
