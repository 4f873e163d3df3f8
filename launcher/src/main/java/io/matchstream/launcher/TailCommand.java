package io.matchstream.launcher;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.matchstream.schemas.Topics;
import io.matchstream.schemas.wire.GenericAvroDeserializer;
import io.matchstream.schemas.wire.RegistryException;
import io.matchstream.schemas.wire.SchemaRegistryClient;
import io.matchstream.schemas.wire.WireFormatException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * {@code ./matchstream tail TOPIC}: prints each record as one JSON line, decoded through the registry.
 * Reads committed data only, from the beginning unless --from-end; stops after --max records or
 * --idle-timeout seconds without a record (default: never). --brief shortens float vectors to their size,
 * first components and norm.
 */
final class TailCommand {
    static final String USAGE = "tail TOPIC [--from-end] [--brief] [--max N] [--idle-timeout SECONDS] [--bootstrap-servers H:P] [--registry-url URL]";

    private TailCommand() {}

    static int run(String[] args, PrintStream out) {
        Flags flags = new Flags(args, Set.of("from-end", "brief"));
        if (flags.positional().size() != 1) {
            throw new UsageException("tail needs exactly one topic; known topics: " + topicNames());
        }
        String topic = flags.positional().get(0);
        if (Topics.byName(topic).isEmpty() && !topic.equals("_schemas")) {
            throw new UsageException("unknown topic '" + topic + "'; known topics: " + topicNames());
        }
        String bootstrap = flags.get("bootstrap-servers", "localhost:9092");
        String registryUrl = flags.get("registry-url", "http://localhost:8085");
        int max = flags.getInt("max", Integer.MAX_VALUE);
        int idleSeconds = flags.getInt("idle-timeout", 0);
        boolean fromEnd = flags.has("from-end");
        boolean brief = flags.has("brief");
        flags.rejectUnknown();
        return tail(bootstrap, registryUrl, topic, fromEnd, max, idleSeconds, Long.MIN_VALUE, null, brief, out);
    }

    static int tail(String bootstrap, String registryUrl, String topic, boolean fromEnd, int max, int idleSeconds,
            PrintStream out) {
        return tail(bootstrap, registryUrl, topic, fromEnd, max, idleSeconds, Long.MIN_VALUE, null, false, out);
    }

    /**
     * The same, printing only records with a timestamp at or after {@code fromTimestamp} (epoch ms) and, when
     * {@code key} is given, with that key; {@code brief} shortens float vectors.
     */
    static int tail(String bootstrap, String registryUrl, String topic, boolean fromEnd, int max, int idleSeconds,
            long fromTimestamp, String key, boolean brief, PrintStream out) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ConsumerConfig.GROUP_ID_CONFIG, "matchstream-tail-" + UUID.randomUUID());
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, fromEnd ? "latest" : "earliest");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, Integer.toString(Topics.MAX_RECORD_BYTES));
        GenericAvroDeserializer values = new GenericAvroDeserializer(SchemaRegistryClient.forUrl(registryUrl));
        int printed = 0;
        long idleSince = System.nanoTime();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            consumer.subscribe(List.of(topic));
            while (printed < max) {
                var records = consumer.poll(Duration.ofMillis(200));
                if (records.isEmpty()) {
                    if (idleSeconds > 0 && System.nanoTime() - idleSince > Duration.ofSeconds(idleSeconds).toNanos()) {
                        break;
                    }
                    continue;
                }
                idleSince = System.nanoTime();
                for (ConsumerRecord<byte[], byte[]> record : records) {
                    if (record.timestamp() < fromTimestamp
                            || (key != null && (record.key() == null || !key.equals(new String(record.key(), StandardCharsets.UTF_8))))) {
                        continue;
                    }
                    out.println(line(record, values, topic.equals("_schemas"), brief));
                    out.flush();
                    if (++printed >= max) {
                        break;
                    }
                }
            }
        }
        return 0;
    }

    static String line(ConsumerRecord<byte[], byte[]> record, GenericAvroDeserializer values, boolean plainJson, boolean brief) {
        ObjectNode node = RecordJson.MAPPER.createObjectNode()
                .put("topic", record.topic())
                .put("partition", record.partition())
                .put("offset", record.offset())
                .put("key", record.key() == null ? null : new String(record.key(), StandardCharsets.UTF_8));
        if (record.value() == null) {
            node.putNull("value");
        } else if (plainJson) {
            node.put("value", new String(record.value(), StandardCharsets.UTF_8));
        } else {
            try {
                GenericRecord value = values.deserialize(record.topic(), record.value());
                node.set("value", RecordJson.record(value, brief));
            } catch (WireFormatException e) {
                node.putNull("value").put("decodeError", e.reason().code() + ": " + e.getMessage());
            } catch (RegistryException e) {
                node.putNull("value").put("decodeError", "registry: " + e.getMessage());
            }
        }
        return node.toString();
    }

    static String topicNames() {
        return String.join(", ", Topics.all().stream().map(t -> t.name()).toList());
    }
}
