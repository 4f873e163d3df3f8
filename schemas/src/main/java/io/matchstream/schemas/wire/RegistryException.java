package io.matchstream.schemas.wire;

/** The registry answered with an error (Confluent's {@code {error_code, message}}), or could not be reached. */
public class RegistryException extends RuntimeException {
    private final int httpStatus;
    private final int errorCode;

    public RegistryException(int httpStatus, int errorCode, String message) {
        super(message + " (HTTP " + httpStatus + ", error_code " + errorCode + ")");
        this.httpStatus = httpStatus;
        this.errorCode = errorCode;
    }

    public RegistryException(String message, Throwable cause) {
        super(message, cause);
        this.httpStatus = -1;
        this.errorCode = -1;
    }

    /** -1 when the registry could not be reached at all. */
    public int httpStatus() {
        return httpStatus;
    }

    public int errorCode() {
        return errorCode;
    }

    /** True for errors worth retrying: unreachable or a server-side (5xx) failure. */
    public boolean isTransient() {
        return httpStatus < 0 || httpStatus >= 500;
    }
}
