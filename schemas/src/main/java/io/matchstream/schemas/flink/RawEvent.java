package io.matchstream.schemas.flink;

/** One input record exactly as Kafka delivered it, with its position, before anything is decoded. */
public class RawEvent {
    public String topic;
    public int partition;
    public long offset;
    public long timestamp;
    public byte[] key;
    public byte[] value;

    public RawEvent() {}

    public RawEvent(String topic, int partition, long offset, long timestamp, byte[] key, byte[] value) {
        this.topic = topic;
        this.partition = partition;
        this.offset = offset;
        this.timestamp = timestamp;
        this.key = key;
        this.value = value;
    }

    @Override
    public String toString() {
        return topic + "/" + partition + "@" + offset;
    }
}
