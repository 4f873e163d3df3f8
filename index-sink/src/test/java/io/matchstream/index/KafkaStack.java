package io.matchstream.index;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.matchstream.embedded.EmbeddedKafkaBroker;
import io.matchstream.index.http.Tokens;
import io.matchstream.registry.RegistryConfig;
import io.matchstream.registry.SchemaRegistryServer;
import io.matchstream.schemas.Topic;
import io.matchstream.schemas.Topics;
import io.matchstream.schemas.wire.SchemaRegistryClient;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/** The real broker and registry for the integration tests, with publish and wait helpers. */
final class KafkaStack implements AutoCloseable {
    static final ObjectMapper JSON = new ObjectMapper();
    static final HttpClient HTTP = HttpClient.newHttpClient();

    final EmbeddedKafkaBroker broker;
    final SchemaRegistryServer registry;
    final SchemaRegistryClient schemas;
    private final KafkaProducer<byte[], byte[]> producer;

    KafkaStack(Path dir) {
        broker = new EmbeddedKafkaBroker(dir.resolve("kafka"), 0).start();
        registry = new SchemaRegistryServer(RegistryConfig.defaults(broker.bootstrapServers()).withPort(0)).start();
        broker.createTopics(Topics.all().stream().map(t -> t.newTopic((short) 1)).toList());
        schemas = new SchemaRegistryClient(registry.url());
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        props.put(ProducerConfig.LINGER_MS_CONFIG, "5");
        producer = new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer());
    }

    /** Flags that point an instance at this stack. */
    Map<String, String> flags(Path dataDir, String group, String instance, int port) {
        Map<String, String> f = new HashMap<>();
        f.put("bootstrap-servers", broker.bootstrapServers());
        f.put("registry-url", registry.url());
        f.put("data-dir", dataDir.toString());
        f.put("group-id", group);
        f.put("instance-id", instance);
        f.put("http-port", Integer.toString(port));
        f.put("http-threads", "4");
        f.put("rate-limit-per-minute", "100000");
        return f;
    }

    <V extends SpecificRecord> void publish(Topic<String, V> topic, String key, V value) {
        byte[] bytes = value == null ? null : topic.valueSerializer(schemas).serialize(topic.name(), value);
        producer.send(new ProducerRecord<>(topic.name(), key.getBytes(StandardCharsets.UTF_8), bytes));
    }

    void publishRaw(String topic, String key, byte[] value) {
        producer.send(new ProducerRecord<>(topic, key.getBytes(StandardCharsets.UTF_8), value));
    }

    void flush() {
        producer.flush();
    }

    /** The end offset of every partition of the topics the index sink reads, as "topic/partition". */
    Map<String, Long> endOffsets() {
        Properties props = new Properties();
        props.put("bootstrap.servers", broker.bootstrapServers());
        try (var c = new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> all = new ArrayList<>();
            for (Topic<String, ?> t : List.of(Topics.PROFILE_ATTRIBUTES, Topics.PROFILE_EMBEDDINGS, Topics.PREFERENCE_UPDATES,
                    Topics.SWIPES, Topics.PROFILE_DELETIONS, Topics.MATCHES)) {
                for (int p = 0; p < t.partitions(); p++) {
                    all.add(new TopicPartition(t.name(), p));
                }
            }
            Map<String, Long> out = new HashMap<>();
            c.endOffsets(all).forEach((tp, end) -> out.put(tp.topic() + "/" + tp.partition(), end));
            return out;
        }
    }

    /**
     * Waits until the instances split the partitions among themselves (each owning some, none twice), and each has read its own partitions and every
     * matches partition up to today's end offsets.
     */
    void awaitCaughtUp(List<String> urls) throws Exception {
        Map<String, Long> ends = endOffsets();
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        String last = "";
        while (System.nanoTime() < deadline) {
            Set<Integer> owned = new HashSet<>();
            int ownedCount = 0;
            boolean all = true;
            for (String url : urls) {
                JsonNode health;
                try {
                    health = JSON.readTree(get(url + "/health", null).body());
                } catch (IOException e) {
                    all = false;
                    continue;
                }
                JsonNode sink = health.get("sink");
                Set<Integer> mine = new HashSet<>();
                sink.get("ownedPartitions").forEach(p -> mine.add(p.asInt()));
                owned.addAll(mine);
                ownedCount += mine.size();
                if (mine.isEmpty()) {
                    all = false; // not yet in the group, or a rebalance is under way
                    last = url + " owns no partition";
                }
                for (Map.Entry<String, Long> e : ends.entrySet()) {
                    int partition = Integer.parseInt(e.getKey().substring(e.getKey().lastIndexOf('/') + 1));
                    boolean mustRead = e.getKey().startsWith(Topics.MATCHES.name() + "/") || mine.contains(partition);
                    JsonNode position = sink.get("positions").get(e.getKey());
                    long at = position == null ? 0 : position.asLong();
                    if (mustRead && at < e.getValue()) {
                        all = false;
                        last = url + " at " + e.getKey() + " " + at + " < " + e.getValue();
                    }
                }
            }
            if (all && owned.size() == Topics.PROFILE_ATTRIBUTES.partitions() && ownedCount == owned.size()) {
                return;
            }
            Thread.sleep(200);
        }
        throw new AssertionError("instances did not catch up: " + last);
    }

    static HttpResponse<String> get(String url, String token) throws IOException, InterruptedException {
        HttpRequest.Builder r = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10));
        if (token != null) {
            r.header("Authorization", "Bearer " + token);
        }
        return HTTP.send(r.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** The recommendations JSON of {@code user} from {@code url} at a fixed time, read with an admin token. */
    static JsonNode recommendations(String url, String user, int limit, long asOf) throws Exception {
        String token = Tokens.hs256(IndexServiceConfig.DEV_JWT_SECRET, IndexServiceConfig.DEV_JWT_ISSUER, "test-admin", "admin", Duration.ofMinutes(5));
        HttpResponse<String> r = get(url + "/v1/users/" + user + "/recommendations?limit=" + limit + "&asOf=" + asOf, token);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return JSON.readTree(r.body());
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    @Override
    public void close() {
        producer.close();
        registry.close();
        broker.close();
    }
}
