package io.matchstream.schemas.flink;

/** A record ready for the sink: target topic and wire-format bytes. A null value is a tombstone. */
public class Outgoing {
    public String topic;
    public byte[] key;
    public byte[] value;

    public Outgoing() {}

    public Outgoing(String topic, byte[] key, byte[] value) {
        this.topic = topic;
        this.key = key;
        this.value = value;
    }
}
