package io.matchstream.index.vector;

/** A failure inside an index implementation (for Faiss: the C++ exception's message). */
public class VectorIndexException extends RuntimeException {
    public VectorIndexException(String message) {
        super(message);
    }

    public VectorIndexException(String message, Throwable cause) {
        super(message, cause);
    }
}
