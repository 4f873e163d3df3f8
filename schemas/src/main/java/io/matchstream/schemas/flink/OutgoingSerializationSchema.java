package io.matchstream.schemas.flink;

import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.kafka.clients.producer.ProducerRecord;

/** Routes each outgoing record to its topic; the bytes are already in the wire format. */
public class OutgoingSerializationSchema implements KafkaRecordSerializationSchema<Outgoing> {
    @Override
    public ProducerRecord<byte[], byte[]> serialize(Outgoing element, KafkaSinkContext context, Long timestamp) {
        return new ProducerRecord<>(element.topic, null, timestamp, element.key, element.value);
    }
}
