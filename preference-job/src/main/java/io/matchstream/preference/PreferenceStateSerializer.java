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
 * Writes a user's {@link PreferenceState} to RocksDB on every event (the vectors are stored apart, by
 * {@link VectorSerializer}). The format starts with a version byte, so a later format can still read the
 * state of this one; format 1 held the vectors too, and is not read (the job starts afresh or from a
 * savepoint of this format).
 */
public final class PreferenceStateSerializer extends TypeSerializerSingleton<PreferenceState> {
    public static final PreferenceStateSerializer INSTANCE = new PreferenceStateSerializer();
    public static final TypeInformation<PreferenceState> TYPE = new SerializerTypeInfo<>(PreferenceState.class, INSTANCE);

    private static final byte FORMAT = 2;

    @Override
    public boolean isImmutableType() {
        return false;
    }

    @Override
    public PreferenceState createInstance() {
        return new PreferenceState();
    }

    @Override
    public PreferenceState copy(PreferenceState from) {
        PreferenceState s = new PreferenceState();
        s.modelVersion = from.modelVersion;
        s.likedWeight = from.likedWeight;
        s.passedWeight = from.passedWeight;
        s.anchor = from.anchor;
        s.likes = from.likes;
        s.passes = from.passes;
        s.lastActivity = from.lastActivity;
        s.changes = from.changes;
        s.emittedVersion = from.emittedVersion;
        s.paceAt = from.paceAt;
        s.timerAt = from.timerAt;
        s.baseWrittenAt = from.baseWrittenAt;
        s.sumsWrittenAt = from.sumsWrittenAt;
        s.recentTargets = from.recentTargets.clone();
        s.recentTimes = from.recentTimes.clone();
        s.recentLiked = from.recentLiked.clone();
        s.recentVersions = from.recentVersions.clone();
        return s;
    }

    @Override
    public PreferenceState copy(PreferenceState from, PreferenceState reuse) {
        return copy(from);
    }

    @Override
    public int getLength() {
        return -1;
    }

    @Override
    public void serialize(PreferenceState s, DataOutputView out) throws IOException {
        out.writeByte(FORMAT);
        VectorIo.writeString(s.modelVersion, out);
        out.writeDouble(s.likedWeight);
        out.writeDouble(s.passedWeight);
        out.writeLong(s.anchor);
        out.writeLong(s.likes);
        out.writeLong(s.passes);
        out.writeLong(s.lastActivity);
        out.writeLong(s.changes);
        out.writeLong(s.emittedVersion);
        out.writeLong(s.paceAt);
        out.writeLong(s.timerAt);
        out.writeLong(s.baseWrittenAt);
        out.writeLong(s.sumsWrittenAt);
        out.writeShort(s.recentTargets.length);
        for (int i = 0; i < s.recentTargets.length; i++) {
            VectorIo.writeString(s.recentTargets[i], out);
            out.writeLong(s.recentTimes[i]);
            out.writeBoolean(s.recentLiked[i]);
            VectorIo.writeString(s.recentVersions[i], out);
        }
    }

    @Override
    public PreferenceState deserialize(DataInputView in) throws IOException {
        byte format = in.readByte();
        if (format != FORMAT) {
            throw new IOException("unknown PreferenceState format " + format
                    + (format == 1 ? " (state of an older job, which kept the vectors inline: start without it)" : ""));
        }
        PreferenceState s = new PreferenceState();
        s.modelVersion = VectorIo.readString(in);
        s.likedWeight = in.readDouble();
        s.passedWeight = in.readDouble();
        s.anchor = in.readLong();
        s.likes = in.readLong();
        s.passes = in.readLong();
        s.lastActivity = in.readLong();
        s.changes = in.readLong();
        s.emittedVersion = in.readLong();
        s.paceAt = in.readLong();
        s.timerAt = in.readLong();
        s.baseWrittenAt = in.readLong();
        s.sumsWrittenAt = in.readLong();
        int recent = in.readShort();
        s.recentTargets = new String[recent];
        s.recentTimes = new long[recent];
        s.recentLiked = new boolean[recent];
        s.recentVersions = new String[recent];
        for (int i = 0; i < recent; i++) {
            s.recentTargets[i] = VectorIo.readString(in);
            s.recentTimes[i] = in.readLong();
            s.recentLiked[i] = in.readBoolean();
            s.recentVersions[i] = VectorIo.readString(in);
        }
        return s;
    }

    @Override
    public PreferenceState deserialize(PreferenceState reuse, DataInputView in) throws IOException {
        return deserialize(in);
    }

    @Override
    public void copy(DataInputView source, DataOutputView target) throws IOException {
        serialize(deserialize(source), target);
    }

    @Override
    public TypeSerializerSnapshot<PreferenceState> snapshotConfiguration() {
        return new Snapshot();
    }

    /** Restores the serializer by name; it has no configuration. */
    public static final class Snapshot extends SimpleTypeSerializerSnapshot<PreferenceState> {
        public Snapshot() {
            super(() -> INSTANCE);
        }
    }
}
