package io.matchstream.preference;

/**
 * What one pair of users has done to each other, in one byte of keyed state. "a" is the smaller user id.
 */
final class PairState {
    static final byte A_LIKES_B = 1;
    static final byte B_LIKES_A = 2;
    static final byte BLOCKED = 4;
    static final byte MATCHED = 8;
    /** A match record exists on the topic (live or cancelled): a purge must tombstone it. */
    static final byte EVER_MATCHED = 16;

    private PairState() {}

    static boolean has(byte state, byte flag) {
        return (state & flag) != 0;
    }
}
