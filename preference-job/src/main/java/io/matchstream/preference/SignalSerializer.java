package io.matchstream.preference;

import io.matchstream.events.SwipeAction;
import io.matchstream.schemas.flink.SerializerTypeInfo;
import java.io.IOException;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.SimpleTypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.base.TypeSerializerSingleton;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

/**
 * Moves a {@link Signal} across the keyBys and keeps it in {@link TargetEnrichment}'s state. The state
 * format starts with a version byte, so a later format can still read this one.
 */
public final class SignalSerializer extends TypeSerializerSingleton<Signal> {
    public static final SignalSerializer INSTANCE = new SignalSerializer();
    public static final TypeInformation<Signal> TYPE = new SerializerTypeInfo<>(Signal.class, INSTANCE);

    private static final byte FORMAT = 2; // 1: big-endian floats
    private static final Signal.Kind[] KINDS = Signal.Kind.values();
    private static final SwipeAction[] ACTIONS = SwipeAction.values();

    @Override
    public boolean isImmutableType() {
        return false;
    }

    @Override
    public Signal createInstance() {
        return new Signal();
    }

    @Override
    public Signal copy(Signal from) {
        return from.copy(); // vectors are never changed in place
    }

    @Override
    public Signal copy(Signal from, Signal reuse) {
        return copy(from);
    }

    @Override
    public int getLength() {
        return -1;
    }

    @Override
    public void serialize(Signal s, DataOutputView out) throws IOException {
        out.writeByte(FORMAT);
        out.writeByte(s.kind.ordinal());
        VectorIo.writeString(s.user, out);
        VectorIo.writeString(s.other, out);
        out.writeByte(s.action == null ? -1 : s.action.ordinal());
        out.writeLong(s.timestamp);
        VectorIo.writeFloats(s.vector, out);
        VectorIo.writeString(s.modelVersion, out);
    }

    @Override
    public Signal deserialize(DataInputView in) throws IOException {
        byte format = in.readByte();
        if (format != FORMAT) {
            throw new IOException("unknown Signal format " + format);
        }
        Signal s = new Signal();
        s.kind = KINDS[in.readByte()];
        s.user = VectorIo.readString(in);
        s.other = VectorIo.readString(in);
        byte action = in.readByte();
        s.action = action < 0 ? null : ACTIONS[action];
        s.timestamp = in.readLong();
        s.vector = VectorIo.readFloats(in);
        s.modelVersion = VectorIo.readString(in);
        return s;
    }

    @Override
    public Signal deserialize(Signal reuse, DataInputView in) throws IOException {
        return deserialize(in);
    }

    @Override
    public void copy(DataInputView source, DataOutputView target) throws IOException {
        serialize(deserialize(source), target);
    }

    @Override
    public TypeSerializerSnapshot<Signal> snapshotConfiguration() {
        return new Snapshot();
    }

    /** Restores the serializer by name; it has no configuration. */
    public static final class Snapshot extends SimpleTypeSerializerSnapshot<Signal> {
        public Snapshot() {
            super(() -> INSTANCE);
        }
    }
}
