package io.matchstream.schemas.flink;

import io.matchstream.schemas.Topics;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.kafka.clients.consumer.OffsetResetStrategy;

/** The Kafka source and sink every matchstream job uses: whole records in, routed wire-format records out, exactly once. */
public final class KafkaIo {
    private static final Duration DEFAULT_LINGER = Duration.ofMillis(5);

    private KafkaIo() {}

    /** Every record of the topics, whole and with its position, from the group's committed offsets (else the start). */
    public static KafkaSource<RawEvent> rawSource(String bootstrapServers, String groupId, List<String> topics) {
        return KafkaSource.<RawEvent>builder()
                .setBootstrapServers(bootstrapServers)
                .setTopics(topics)
                .setGroupId(groupId)
                .setStartingOffsets(OffsetsInitializer.committedOffsets(OffsetResetStrategy.EARLIEST))
                .setDeserializer(new RawEventDeserializationSchema())
                .setProperty("isolation.level", "read_committed")
                .setProperty("max.partition.fetch.bytes", Integer.toString(Topics.MAX_RECORD_BYTES))
                .setProperty("partition.discovery.interval.ms", "60000")
                .build();
    }

    /**
     * A transactional sink that writes each {@link Outgoing} to its own topic. The transaction timeout must
     * stay below the broker's transaction.max.timeout.ms (15 min by default), or the sink restarts forever.
     */
    public static KafkaSink<Outgoing> exactlyOnceSink(String bootstrapServers, String transactionalIdPrefix,
            Duration transactionTimeout, String compression) {
        return exactlyOnceSink(bootstrapServers, transactionalIdPrefix, transactionTimeout, compression, DEFAULT_LINGER);
    }

    /**
     * As {@link #exactlyOnceSink(String, String, Duration, String)}, holding records up to {@code linger}
     * to send them together. A read_committed reader sees nothing before the checkpoint commits the
     * transaction, and the sink flushes at every checkpoint, so a linger up to the checkpoint interval
     * delays nothing a reader sees; a job that emits a record every few tens of ms then sends one request
     * per several records instead of one per record (broker and producer CPU).
     */
    public static KafkaSink<Outgoing> exactlyOnceSink(String bootstrapServers, String transactionalIdPrefix,
            Duration transactionTimeout, String compression, Duration linger) {
        Properties producer = producerProperties(compression);
        producer.setProperty("transaction.timeout.ms", Long.toString(transactionTimeout.toMillis()));
        producer.setProperty("linger.ms", Long.toString(linger.toMillis()));
        return KafkaSink.<Outgoing>builder()
                .setBootstrapServers(bootstrapServers)
                .setRecordSerializer(new OutgoingSerializationSchema())
                .setDeliveryGuarantee(DeliveryGuarantee.EXACTLY_ONCE)
                .setTransactionalIdPrefix(transactionalIdPrefix)
                .setKafkaProducerConfig(producer)
                .build();
    }

    /**
     * A sink that sends each {@link Outgoing} as soon as it is made (flushed at every checkpoint, so nothing
     * is lost; a restart may send some again). For idempotent, versioned upserts to compacted topics, where
     * waiting for the checkpoint to commit a transaction would only add latency.
     */
    public static KafkaSink<Outgoing> atLeastOnceSink(String bootstrapServers, String compression) {
        Properties producer = producerProperties(compression);
        return KafkaSink.<Outgoing>builder()
                .setBootstrapServers(bootstrapServers)
                .setRecordSerializer(new OutgoingSerializationSchema())
                .setDeliveryGuarantee(DeliveryGuarantee.AT_LEAST_ONCE)
                .setKafkaProducerConfig(producer)
                .build();
    }

    /** Room for the largest record, small batches sent within 5 ms. */
    private static Properties producerProperties(String compression) {
        Properties producer = new Properties();
        producer.setProperty("max.request.size", Integer.toString(Topics.MAX_RECORD_BYTES + 1024 * 1024));
        producer.setProperty("linger.ms", Long.toString(DEFAULT_LINGER.toMillis()));
        producer.setProperty("batch.size", Integer.toString(256 * 1024));
        producer.setProperty("compression.type", compression);
        return producer;
    }
}
