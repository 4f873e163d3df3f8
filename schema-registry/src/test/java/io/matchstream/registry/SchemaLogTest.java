package io.matchstream.registry;

import static io.matchstream.registry.RestCalls.schemaBody;
import static io.matchstream.registry.TestSchemas.record;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.matchstream.embedded.EmbeddedKafkaBroker;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The topic is the truth: a restarted registry answers from it, and it holds Confluent's records. */
class SchemaLogTest {
    @TempDir
    static Path dataDir;
    static EmbeddedKafkaBroker broker;

    static final String ORDER_V1 = record("Order", "id string");
    static final String ORDER_V2 = record("Order", "id string", "total double 0.0");
    static final String USER = record("User", "name string");

    @BeforeAll
    static void startBroker() {
        broker = new EmbeddedKafkaBroker(dataDir, 0).start();
    }

    @AfterAll
    static void stopBroker() {
        if (broker != null) {
            broker.close();
        }
    }

    @Test
    void aRestartedRegistryAnswersWithTheSameIdsVersionsAndLevels() {
        RegistryConfig config = RegistryConfig.defaults(broker.bootstrapServers()).withPort(0).withTopic("_schemas_restart");
        int order1;
        int order2;
        int user;
        JsonNode subjects;
        try (SchemaRegistryServer first = new SchemaRegistryServer(config).start()) {
            RestCalls rest = new RestCalls(first.url());
            order1 = register(rest, "orders-value", ORDER_V1);
            order2 = register(rest, "orders-value", ORDER_V2);
            user = register(rest, "users-value", USER);
            assertThat(register(rest, "users-copy", USER)).isEqualTo(user);
            rest.put("/config", "{\"compatibility\":\"FULL\"}");
            rest.put("/config/orders-value", "{\"compatibility\":\"NONE\"}");
            rest.delete("/subjects/users-copy");
            subjects = rest.get("/subjects").body();
        }

        try (SchemaRegistryServer second = new SchemaRegistryServer(config).start()) {
            RestCalls rest = new RestCalls(second.url());
            assertThat(rest.get("/subjects").body()).isEqualTo(subjects);
            assertThat(rest.get("/subjects/orders-value/versions").body().toString()).isEqualTo("[1,2]");
            assertThat(rest.get("/subjects/orders-value/versions/1").body().get("id").asInt()).isEqualTo(order1);
            assertThat(rest.get("/subjects/orders-value/versions/2").body().get("id").asInt()).isEqualTo(order2);
            assertThat(rest.post("/subjects/users-value", schemaBody(USER)).body().get("id").asInt()).isEqualTo(user);
            assertThat(rest.get("/subjects/users-copy/versions").errorCode()).as("still soft-deleted").isEqualTo(40401);
            assertThat(rest.get("/config").body().get("compatibilityLevel").asText()).isEqualTo("FULL");
            assertThat(rest.get("/config/orders-value").body().get("compatibilityLevel").asText()).isEqualTo("NONE");

            assertThat(register(rest, "orders-value", ORDER_V1)).as("idempotent after restart").isEqualTo(order1);
            int next = register(rest, "other-value", record("Other", "x int"));
            assertThat(next).isEqualTo(Math.max(order1, Math.max(order2, user)) + 1);
            assertThat(rest.get("/subjects/orders-value/versions").body().toString()).isEqualTo("[1,2]");
        }
    }

    @Test
    void theLogIsACompactedSinglePartitionTopicOfConfluentRecords() throws Exception {
        String topic = "_schemas_format";
        RegistryConfig config = RegistryConfig.defaults(broker.bootstrapServers()).withPort(0).withTopic(topic);
        int id;
        try (SchemaRegistryServer server = new SchemaRegistryServer(config).start()) {
            RestCalls rest = new RestCalls(server.url());
            id = register(rest, "fmt-value", ORDER_V1);
            rest.put("/config", "{\"compatibility\":\"FULL\"}");
            rest.delete("/subjects/fmt-value");
            rest.delete("/subjects/fmt-value?permanent=true");
        }

        try (Admin admin = Admin.create(broker.adminConfig())) {
            TopicDescription description = admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic);
            assertThat(description.partitions()).hasSize(1);
            ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
            Config topicConfig = admin.describeConfigs(List.of(resource)).all().get().get(resource);
            assertThat(topicConfig.get("cleanup.policy").value()).isEqualTo("compact");
        }

        List<ConsumerRecord<String, String>> records = readAll(topic);
        String key = "{\"keytype\":\"SCHEMA\",\"subject\":\"fmt-value\",\"version\":1,\"magic\":1}";
        assertThat(records).extracting(ConsumerRecord::key)
                .containsExactly(key, "{\"keytype\":\"CONFIG\",\"subject\":null,\"magic\":0}", key, key);
        JsonNode registered = RestCalls.JSON.readTree(records.get(0).value());
        assertThat(registered.get("subject").asText()).isEqualTo("fmt-value");
        assertThat(registered.get("version").asInt()).isEqualTo(1);
        assertThat(registered.get("id").asInt()).isEqualTo(id);
        assertThat(registered.get("schema").asText()).contains("\"Order\"");
        assertThat(registered.get("deleted").asBoolean()).isFalse();
        assertThat(records.get(1).value()).isEqualTo("{\"compatibilityLevel\":\"FULL\"}");
        assertThat(RestCalls.JSON.readTree(records.get(2).value()).get("deleted").asBoolean()).isTrue();
        assertThat(records.get(3).value()).as("a permanent delete is a tombstone").isNull();
    }

    @Test
    void servesALogThatConfluentsRegistryWrote() throws Exception {
        String topic = "_schemas_confluent";
        broker.createTopics(List.of(new NewTopic(topic, 1, (short) 1).configs(Map.of("cleanup.policy", "compact"))));
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        try (KafkaProducer<String, String> confluent = new KafkaProducer<>(props)) {
            confluent.send(new ProducerRecord<>(topic, "{\"keytype\":\"NOOP\",\"magic\":0}", null));
            confluent.send(new ProducerRecord<>(topic, "{\"keytype\":\"SCHEMA\",\"subject\":\"legacy-value\",\"version\":1,\"magic\":1}",
                    RestCalls.JSON.createObjectNode().put("subject", "legacy-value").put("version", 1).put("id", 41)
                            .put("schema", ORDER_V1).put("deleted", false).toString()));
            confluent.send(new ProducerRecord<>(topic, "{\"keytype\":\"SCHEMA\",\"subject\":\"proto-value\",\"version\":1,\"magic\":1}",
                    "{\"subject\":\"proto-value\",\"version\":1,\"id\":42,\"schemaType\":\"PROTOBUF\",\"schema\":\"syntax = \\\"proto3\\\";\",\"deleted\":false}"));
            confluent.send(new ProducerRecord<>(topic, "{\"keytype\":\"CONFIG\",\"subject\":\"legacy-value\",\"magic\":0}",
                    "{\"compatibilityLevel\":\"FORWARD\"}"));
            confluent.flush();
        }

        RegistryConfig config = RegistryConfig.defaults(broker.bootstrapServers()).withPort(0).withTopic(topic);
        try (SchemaRegistryServer server = new SchemaRegistryServer(config).start()) {
            RestCalls rest = new RestCalls(server.url());
            assertThat(rest.get("/subjects").body().toString()).isEqualTo("[\"legacy-value\"]");
            assertThat(rest.get("/schemas/ids/41").body().get("schema").asText()).contains("\"Order\"");
            assertThat(rest.get("/config/legacy-value").body().get("compatibilityLevel").asText()).isEqualTo("FORWARD");
            assertThat(register(rest, "legacy-value", ORDER_V2)).isEqualTo(43);
        }
    }

    private static int register(RestCalls rest, String subject, String schema) {
        RestCalls.Answer answer = rest.post("/subjects/" + subject + "/versions", schemaBody(schema));
        assertThat(answer.status()).as(answer.body().toString()).isEqualTo(200);
        return answer.body().get("id").asInt();
    }

    private static List<ConsumerRecord<String, String>> readAll(String topic) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        TopicPartition partition = new TopicPartition(topic, 0);
        List<ConsumerRecord<String, String>> records = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(props)) {
            consumer.assign(List.of(partition));
            consumer.seekToBeginning(List.of(partition));
            long end = consumer.endOffsets(List.of(partition)).get(partition);
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (consumer.position(partition) < end && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(records::add);
            }
        }
        return records;
    }
}
