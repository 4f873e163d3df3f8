package io.matchstream.schemas.wire;

import java.nio.ByteBuffer;

/** The Confluent wire format: magic byte 0, the schema id as a 4-byte big-endian int, then Avro binary. */
public final class WireFormat {
    public static final byte MAGIC_BYTE = 0;
    public static final int HEADER_SIZE = 5;

    private WireFormat() {}

    /** Returns the schema id of a framed payload, or throws a typed error for a malformed header. */
    public static int schemaId(byte[] payload) {
        if (payload == null || payload.length < HEADER_SIZE) {
            throw new WireFormatException(WireFormatException.Reason.TRUNCATED,
                    "payload of " + (payload == null ? 0 : payload.length) + " bytes is shorter than the 5-byte header");
        }
        if (payload[0] != MAGIC_BYTE) {
            throw new WireFormatException(WireFormatException.Reason.WRONG_MAGIC_BYTE,
                    String.format("magic byte is 0x%02x, expected 0x00", payload[0]));
        }
        return ByteBuffer.wrap(payload, 1, 4).getInt();
    }
}
