package io.matchstream.ingest;

/** A record that fails validation. Not an error of the job: it becomes a dead letter. */
public class RejectedEventException extends Exception {
    private final RejectReason reason;

    public RejectedEventException(RejectReason reason, String message) {
        super(message, null, false, false); // no stack trace: this is a normal outcome, on a hot path
        this.reason = reason;
    }

    public RejectReason reason() {
        return reason;
    }
}
