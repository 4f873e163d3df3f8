package io.matchstream.index.store;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * A user's vectors as the attribute store keeps them: unit length, with their model version, in a flat
 * binary form (Avro's per-float decoding cost as much as the search itself on every candidate read).
 *
 * @param modelVersion the embedding model the vectors belong to (never compared across versions)
 * @param version      the preference update's version; 0 for a photo embedding
 * @param timestamp    event time of the record the vectors came from (a deletion removes older ones only)
 * @param primary      the photo embedding, or the blended preference vector
 * @param secondary    the preference vector P of a preference update, or null
 */
public record StoredVectors(String modelVersion, long version, long timestamp, float[] primary, float[] secondary) {

    byte[] encode() {
        byte[] name = modelVersion.getBytes(StandardCharsets.UTF_8);
        int floats = primary.length + (secondary == null ? 0 : secondary.length);
        ByteBuffer b = ByteBuffer.allocate(4 + name.length + 8 + 8 + 4 + 4 + 4 * floats);
        b.putInt(name.length).put(name).putLong(version).putLong(timestamp);
        b.putInt(primary.length).asFloatBuffer().put(primary);
        b.position(b.position() + 4 * primary.length);
        b.putInt(secondary == null ? -1 : secondary.length);
        if (secondary != null) {
            b.asFloatBuffer().put(secondary);
        }
        return b.array();
    }

    /** Only the model version, without decoding the vectors. */
    static String modelVersionOf(byte[] bytes) {
        ByteBuffer b = ByteBuffer.wrap(bytes);
        int n = b.getInt();
        return new String(bytes, 4, n, StandardCharsets.UTF_8);
    }

    static StoredVectors decode(byte[] bytes) {
        ByteBuffer b = ByteBuffer.wrap(bytes);
        byte[] name = new byte[b.getInt()];
        b.get(name);
        long version = b.getLong();
        long timestamp = b.getLong();
        float[] primary = new float[b.getInt()];
        b.asFloatBuffer().get(primary);
        b.position(b.position() + 4 * primary.length);
        int n = b.getInt();
        float[] secondary = null;
        if (n >= 0) {
            secondary = new float[n];
            b.asFloatBuffer().get(secondary);
        }
        return new StoredVectors(new String(name, StandardCharsets.UTF_8), version, timestamp, primary, secondary);
    }
}
