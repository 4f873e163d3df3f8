package io.matchstream.preference;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;
import org.apache.flink.types.StringValue;

/**
 * Bulk reads and writes of vectors and nullable strings for the job's serializers. Flink's own float-array
 * serializer moves one float per call; with two or three 512-d vectors per event that was a sixth of the
 * job's CPU. Length-prefixed, -1 for null; the floats little-endian, so that the machines this runs on
 * copy them without swapping bytes.
 */
final class VectorIo {
    private VectorIo() {}

    static void writeFloats(float[] values, DataOutputView out) throws IOException {
        if (values == null) {
            out.writeInt(-1);
            return;
        }
        out.writeInt(values.length);
        ByteBuffer bytes = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        bytes.asFloatBuffer().put(values);
        out.write(bytes.array());
    }

    static float[] readFloats(DataInputView in) throws IOException {
        int length = in.readInt();
        if (length < 0) {
            return null;
        }
        byte[] bytes = new byte[4 * length];
        in.readFully(bytes);
        float[] values = new float[length];
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(values);
        return values;
    }

    static void writeString(String value, DataOutputView out) throws IOException {
        StringValue.writeString(value, out); // handles null
    }

    static String readString(DataInputView in) throws IOException {
        return StringValue.readString(in);
    }
}
