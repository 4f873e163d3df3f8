package io.matchstream.launcher;

/** A wrong command line: printed as one line plus the command's usage, never as a stack trace. */
final class UsageException extends RuntimeException {
    UsageException(String message) {
        super(message);
    }
}
