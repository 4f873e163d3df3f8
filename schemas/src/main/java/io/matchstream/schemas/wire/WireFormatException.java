package io.matchstream.schemas.wire;

/**
 * A record that cannot be decoded. Jobs turn it into a dead letter whose reason code is
 * {@link Reason#code()}; it never means the registry was unreachable (that is a {@link RegistryException}).
 */
public class WireFormatException extends RuntimeException {

    public enum Reason {
        /** Shorter than the 5-byte header. */
        TRUNCATED("truncated"),
        WRONG_MAGIC_BYTE("wrong_magic_byte"),
        UNKNOWN_SCHEMA_ID("unknown_schema_id"),
        /** The header was fine but the Avro body did not decode with the writer schema. */
        UNDECODABLE("undecodable"),
        /** The writer schema cannot be read as the expected record type. */
        INCOMPATIBLE_SCHEMA("incompatible_schema");

        private final String code;

        Reason(String code) {
            this.code = code;
        }

        public String code() {
            return code;
        }
    }

    private final Reason reason;

    public WireFormatException(Reason reason, String message) {
        super(message);
        this.reason = reason;
    }

    public WireFormatException(Reason reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
