package io.matchstream.schemas.flink;

import io.matchstream.events.DeadLetter;
import io.matchstream.schemas.Topics;
import io.matchstream.schemas.wire.AvroSerializer;
import io.matchstream.schemas.wire.SchemaRegistry;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Clock;

/**
 * Turns a refused input record into its dead letter: source topic, partition and offset, the exact key
 * and value bytes, a reason code and a message, keyed by the source topic.
 */
public final class DeadLetters {
    private final AvroSerializer<DeadLetter> serializer;
    private final String job;
    private final Clock clock;

    public DeadLetters(SchemaRegistry registry, String job, Clock clock) {
        this.serializer = Topics.DEAD_LETTERS.valueSerializer(registry);
        this.job = job;
        this.clock = clock;
    }

    public Outgoing of(RawEvent raw, String reasonCode, String message) {
        DeadLetter letter = DeadLetter.newBuilder()
                .setSourceTopic(raw.topic)
                .setSourcePartition(raw.partition)
                .setSourceOffset(raw.offset)
                .setReasonCode(reasonCode)
                .setMessage(message == null ? reasonCode : message)
                .setJob(job)
                .setRawKey(raw.key == null ? null : ByteBuffer.wrap(raw.key))
                .setRawValue(raw.value == null ? null : ByteBuffer.wrap(raw.value))
                .setTimestamp(clock.instant())
                .build();
        String topic = Topics.DEAD_LETTERS.name();
        return new Outgoing(topic, raw.topic.getBytes(StandardCharsets.UTF_8), serializer.serialize(topic, letter));
    }
}
