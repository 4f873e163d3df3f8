package io.matchstream.preference;

import io.matchstream.schemas.flink.SerializerTypeInfo;
import java.io.IOException;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.SimpleTypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.base.TypeSerializerSingleton;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

/** One vector in keyed state (a user's base embedding, a decayed sum), in bulk. */
public final class VectorSerializer extends TypeSerializerSingleton<float[]> {
    public static final VectorSerializer INSTANCE = new VectorSerializer();
    public static final TypeInformation<float[]> TYPE = new SerializerTypeInfo<>(float[].class, INSTANCE);

    @Override
    public boolean isImmutableType() {
        return false;
    }

    @Override
    public float[] createInstance() {
        return new float[0];
    }

    @Override
    public float[] copy(float[] from) {
        return from == null ? null : from.clone();
    }

    @Override
    public float[] copy(float[] from, float[] reuse) {
        return copy(from);
    }

    @Override
    public int getLength() {
        return -1;
    }

    @Override
    public void serialize(float[] vector, DataOutputView out) throws IOException {
        VectorIo.writeFloats(vector, out);
    }

    @Override
    public float[] deserialize(DataInputView in) throws IOException {
        return VectorIo.readFloats(in);
    }

    @Override
    public float[] deserialize(float[] reuse, DataInputView in) throws IOException {
        return deserialize(in);
    }

    @Override
    public void copy(DataInputView source, DataOutputView target) throws IOException {
        serialize(deserialize(source), target);
    }

    @Override
    public TypeSerializerSnapshot<float[]> snapshotConfiguration() {
        return new Snapshot();
    }

    /** Restores the serializer by name; it has no configuration. */
    public static final class Snapshot extends SimpleTypeSerializerSnapshot<float[]> {
        public Snapshot() {
            super(() -> INSTANCE);
        }
    }
}
