package io.matchstream.ingest;

import io.matchstream.schemas.Topic;
import io.matchstream.schemas.Topics;
import io.matchstream.schemas.flink.Outgoing;
import io.matchstream.schemas.flink.SerializerTypeInfo;
import java.io.IOException;
import java.util.List;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.SimpleTypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.base.TypeSerializerSingleton;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;
import org.apache.flink.types.StringValue;

/**
 * Moves a {@link ValidatedEvent} across the keyBy. Flink's reflective POJO serializer spent a fifth of the
 * job's CPU here; this one writes the dedup key, a topic index (topics come from {@link Topics}) and
 * length-prefixed byte arrays. The records are never kept in state, so the format may change freely.
 */
public final class ValidatedEventSerializer extends TypeSerializerSingleton<ValidatedEvent> {
    public static final ValidatedEventSerializer INSTANCE = new ValidatedEventSerializer();
    public static final TypeInformation<ValidatedEvent> TYPE = new SerializerTypeInfo<>(ValidatedEvent.class, INSTANCE);

    private static final List<String> TOPICS = Topics.all().stream().map(Topic::name).toList();
    private static final int NO_RECORD = -2;
    private static final int OTHER_TOPIC = -1;

    @Override
    public boolean isImmutableType() {
        return false;
    }

    @Override
    public ValidatedEvent createInstance() {
        return new ValidatedEvent();
    }

    @Override
    public ValidatedEvent copy(ValidatedEvent from) {
        // Byte arrays are never written to after validation, so sharing them is safe.
        return new ValidatedEvent(from.dedupKey, copy(from.primary), copy(from.secondary));
    }

    private static Outgoing copy(Outgoing from) {
        return from == null ? null : new Outgoing(from.topic, from.key, from.value);
    }

    @Override
    public ValidatedEvent copy(ValidatedEvent from, ValidatedEvent reuse) {
        return copy(from);
    }

    @Override
    public int getLength() {
        return -1;
    }

    @Override
    public void serialize(ValidatedEvent event, DataOutputView out) throws IOException {
        StringValue.writeString(event.dedupKey, out);
        write(event.primary, out);
        write(event.secondary, out);
    }

    private static void write(Outgoing record, DataOutputView out) throws IOException {
        if (record == null) {
            out.writeByte(NO_RECORD);
            return;
        }
        int topic = TOPICS.indexOf(record.topic);
        out.writeByte(topic);
        if (topic == OTHER_TOPIC) {
            StringValue.writeString(record.topic, out);
        }
        writeBytes(record.key, out);
        writeBytes(record.value, out);
    }

    private static void writeBytes(byte[] bytes, DataOutputView out) throws IOException {
        if (bytes == null) {
            out.writeInt(-1);
        } else {
            out.writeInt(bytes.length);
            out.write(bytes);
        }
    }

    @Override
    public ValidatedEvent deserialize(DataInputView in) throws IOException {
        String dedupKey = StringValue.readString(in);
        return new ValidatedEvent(dedupKey, read(in), read(in));
    }

    @Override
    public ValidatedEvent deserialize(ValidatedEvent reuse, DataInputView in) throws IOException {
        return deserialize(in);
    }

    private static Outgoing read(DataInputView in) throws IOException {
        int topic = in.readByte();
        if (topic == NO_RECORD) {
            return null;
        }
        String name = topic == OTHER_TOPIC ? StringValue.readString(in) : TOPICS.get(topic);
        return new Outgoing(name, readBytes(in), readBytes(in));
    }

    private static byte[] readBytes(DataInputView in) throws IOException {
        int length = in.readInt();
        if (length < 0) {
            return null;
        }
        byte[] bytes = new byte[length];
        in.readFully(bytes);
        return bytes;
    }

    @Override
    public void copy(DataInputView source, DataOutputView target) throws IOException {
        serialize(deserialize(source), target);
    }

    @Override
    public TypeSerializerSnapshot<ValidatedEvent> snapshotConfiguration() {
        return new Snapshot();
    }

    /** Restores the serializer by name; it has no configuration. */
    public static final class Snapshot extends SimpleTypeSerializerSnapshot<ValidatedEvent> {
        public Snapshot() {
            super(() -> INSTANCE);
        }
    }
}
