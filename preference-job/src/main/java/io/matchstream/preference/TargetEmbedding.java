package io.matchstream.preference;

import io.matchstream.schemas.flink.SerializerTypeInfo;
import java.io.IOException;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.SimpleTypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.base.TypeSerializerSingleton;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

/**
 * A user's latest embedding as {@link TargetEnrichment} keeps it, with the processing time it was last
 * written (it is rewritten when that gets old, instead of on every read; see TargetEnrichment).
 */
public final class TargetEmbedding {
    /** Never changed in place. */
    public final float[] vector;
    public final String modelVersion;
    public final long writtenAt;

    public TargetEmbedding(float[] vector, String modelVersion, long writtenAt) {
        this.vector = vector;
        this.modelVersion = modelVersion;
        this.writtenAt = writtenAt;
    }

    /** Stores a {@link TargetEmbedding}: a version byte, then the fields, the vector in bulk. */
    public static final class Serializer extends TypeSerializerSingleton<TargetEmbedding> {
        public static final Serializer INSTANCE = new Serializer();
        public static final TypeInformation<TargetEmbedding> TYPE = new SerializerTypeInfo<>(TargetEmbedding.class, INSTANCE);
        private static final byte FORMAT = 1;

        @Override
        public boolean isImmutableType() {
            return true;
        }

        @Override
        public TargetEmbedding createInstance() {
            return new TargetEmbedding(null, null, 0);
        }

        @Override
        public TargetEmbedding copy(TargetEmbedding from) {
            return from;
        }

        @Override
        public TargetEmbedding copy(TargetEmbedding from, TargetEmbedding reuse) {
            return from;
        }

        @Override
        public int getLength() {
            return -1;
        }

        @Override
        public void serialize(TargetEmbedding e, DataOutputView out) throws IOException {
            out.writeByte(FORMAT);
            VectorIo.writeFloats(e.vector, out);
            VectorIo.writeString(e.modelVersion, out);
            out.writeLong(e.writtenAt);
        }

        @Override
        public TargetEmbedding deserialize(DataInputView in) throws IOException {
            byte format = in.readByte();
            if (format != FORMAT) {
                throw new IOException("unknown TargetEmbedding format " + format);
            }
            return new TargetEmbedding(VectorIo.readFloats(in), VectorIo.readString(in), in.readLong());
        }

        @Override
        public TargetEmbedding deserialize(TargetEmbedding reuse, DataInputView in) throws IOException {
            return deserialize(in);
        }

        @Override
        public void copy(DataInputView source, DataOutputView target) throws IOException {
            serialize(deserialize(source), target);
        }

        @Override
        public TypeSerializerSnapshot<TargetEmbedding> snapshotConfiguration() {
            return new Snapshot();
        }

        /** Restores the serializer by name; it has no configuration. */
        public static final class Snapshot extends SimpleTypeSerializerSnapshot<TargetEmbedding> {
            public Snapshot() {
                super(() -> INSTANCE);
            }
        }
    }
}
