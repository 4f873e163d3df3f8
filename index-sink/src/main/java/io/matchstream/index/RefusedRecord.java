package io.matchstream.index;

/** A record the sink cannot use (wrong dimension, zero vector, ...): counted and skipped, never fatal. */
public final class RefusedRecord extends RuntimeException {
    private final String reason;

    public RefusedRecord(String reason, String message) {
        super(message);
        this.reason = reason;
    }

    /** Machine-readable, the {@code reason} label of the refusal counter. */
    public String reason() {
        return reason;
    }
}
