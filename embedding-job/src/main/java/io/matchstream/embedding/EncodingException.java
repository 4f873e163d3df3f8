package io.matchstream.embedding;

/** The encoder could not be loaded or failed on a batch; the message says which and why. */
public class EncodingException extends RuntimeException {

    public EncodingException(String message) {
        super(message);
    }

    public EncodingException(String message, Throwable cause) {
        super(message, cause);
    }
}
