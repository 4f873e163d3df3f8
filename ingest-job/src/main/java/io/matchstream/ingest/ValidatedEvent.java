package io.matchstream.ingest;

import io.matchstream.schemas.flink.Outgoing;

/**
 * A valid event, already encoded for its clean topic(s), keyed for de-duplication. Encoding before the
 * keyBy keeps the shuffled record to a few byte arrays.
 */
public class ValidatedEvent {
    /** Event kind and event id, so that ids of different kinds never collide. */
    public String dedupKey;
    public Outgoing primary;
    /** A second record the event produces (profile attributes, or their tombstone); may be null. */
    public Outgoing secondary;

    public ValidatedEvent() {}

    public ValidatedEvent(String dedupKey, Outgoing primary, Outgoing secondary) {
        this.dedupKey = dedupKey;
        this.primary = primary;
        this.secondary = secondary;
    }
}
