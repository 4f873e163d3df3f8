package io.matchstream.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.matchstream.schemas.Topic;
import io.matchstream.schemas.Topics;
import io.matchstream.schemas.wire.SchemaRegistryClient;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.config.ConfigResource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The laptop stack as `./matchstream local` runs it: start, use, stop, start again on the same data. */
class LocalStackTest {
    @TempDir
    Path dataDir;

    @Test
    void topicsFollowTheRegistryAndDataSurvivesARestart() throws Exception {
        LocalStack.Ports ports = new LocalStack.Ports(0, 0, 0);
        String alice = "alice";
        int swipeSchemaId;
        try (LocalStack stack = new LocalStack(dataDir, ports, true, false).start()) {
            assertTopicsAsDeclared(stack.bootstrapServers());
            PublishCommand.publish(stack.bootstrapServers(), stack.registryUrl(), Topics.RAW_SWIPES, alice,
                    DemoCommand.swipe(alice, "bob", "like", Instant.now()), quiet());
            List<JsonNode> swipes = tail(stack, Topics.SWIPES.name(), 1);
            assertThat(swipes.get(0).at("/value/action").asText()).isEqualTo("LIKE");
            assertThat(swipes.get(0).at("/value/swiperId").asText()).isEqualTo(alice);
            swipeSchemaId = new SchemaRegistryClient(stack.registryUrl()).latest(Topics.SWIPES.valueSubject()).get("id").asInt();
            awaitCheckpoint(stack);
        }

        // Same data directory, fresh ports: the broker, the registry and the job pick up where they were.
        try (LocalStack stack = new LocalStack(dataDir, ports, true, false).start()) {
            SchemaRegistryClient registry = new SchemaRegistryClient(stack.registryUrl());
            assertThat(registry.latest(Topics.SWIPES.valueSubject()).get("id").asInt()).isEqualTo(swipeSchemaId);
            PublishCommand.publish(stack.bootstrapServers(), stack.registryUrl(), Topics.RAW_SWIPES, "carol",
                    DemoCommand.swipe("carol", alice, "pass", Instant.now()), quiet());
            List<JsonNode> swipes = tail(stack, Topics.SWIPES.name(), 2);
            assertThat(swipes).extracting(n -> n.at("/value/swiperId").asText()).containsExactlyInAnyOrder(alice, "carol");
            Thread.sleep(2500);
            assertThat(tailAll(stack, Topics.SWIPES.name())).as("the resumed job repeats nothing").hasSize(2);
        }
    }

    @Test
    void theJobJarsRunOnARealStandaloneFlinkCluster() throws Exception {
        // JobManager and TaskManager in their own JVMs; each job arrives as <module>-*-flink.jar over REST,
        // DJL sits on the cluster's classpath.
        try (LocalStack stack = new LocalStack(dataDir, new LocalStack.Ports(0, 0, 0), true, true).start()) {
            PublishCommand.publish(stack.bootstrapServers(), stack.registryUrl(), Topics.RAW_SWIPES, "dora",
                    DemoCommand.swipe("dora", "eli", "block", Instant.now()), quiet());
            PublishCommand.publish(stack.bootstrapServers(), stack.registryUrl(), Topics.RAW_SWIPES, "dora",
                    DemoCommand.swipe("dora", "eli", "wink", Instant.now()), quiet());
            assertThat(tail(stack, Topics.SWIPES.name(), 1).get(0).at("/value/action").asText()).isEqualTo("BLOCK");
            assertThat(tail(stack, Topics.DEAD_LETTERS.name(), 1).get(0).at("/value/reasonCode").asText())
                    .isEqualTo("unknown_action");
            assertThat(stack.runningJobs()).contains("ingest", "embedding", "preference");

            // The preference job: a mutual like becomes a match.
            PublishCommand.publish(stack.bootstrapServers(), stack.registryUrl(), Topics.RAW_SWIPES, "fay",
                    DemoCommand.swipe("fay", "gus", "like", Instant.now()), quiet());
            PublishCommand.publish(stack.bootstrapServers(), stack.registryUrl(), Topics.RAW_SWIPES, "gus",
                    DemoCommand.swipe("gus", "fay", "like", Instant.now()), quiet());
            assertThat(tail(stack, Topics.MATCHES.name(), 1).get(0).at("/value/userA").asText()).isEqualTo("fay");

            // The embedding job: face-api's demo photo (fetched by models/setup.sh) becomes a 512-d embedding.
            java.nio.file.Path photo = io.matchstream.embedding.EmbeddingConfig.defaults().faceModel().getParent()
                    .resolve("face-api-1.7.15/demo/sample2.jpg");
            PublishCommand.publish(stack.bootstrapServers(), stack.registryUrl(), Topics.RAW_PROFILE_UPLOADS, "hal",
                    DemoCommand.profile("hal", "M", "F", 35, 1.0, 2.0, java.nio.file.Files.readAllBytes(photo), Instant.now()), quiet());
            JsonNode embedding = tail(stack, Topics.PROFILE_EMBEDDINGS.name(), 1).get(0);
            assertThat(embedding.at("/value/userId").asText()).isEqualTo("hal");
            assertThat(embedding.at("/value/vector").size()).isEqualTo(512);

            // The preference job again: fay likes hal's face, and her blended vector follows.
            PublishCommand.publish(stack.bootstrapServers(), stack.registryUrl(), Topics.RAW_SWIPES, "fay",
                    DemoCommand.swipe("fay", "hal", "like", Instant.now()), quiet());
            // hal's own photo gave hal a cold-start update (E = E_base) as well
            JsonNode update = tail(stack, Topics.PREFERENCE_UPDATES.name(), 2).stream()
                    .filter(u -> u.at("/value/userId").asText().equals("fay")).findFirst().orElseThrow();
            assertThat(update.at("/value/blended").size()).isEqualTo(512);
            assertThat(update.at("/value/likes").asLong()).as("gus has no photo yet: that like still waits").isEqualTo(1);
        }
    }

    private static void assertTopicsAsDeclared(String bootstrap) throws Exception {
        Properties props = new Properties();
        props.put("bootstrap.servers", bootstrap);
        try (Admin admin = Admin.create(props)) {
            List<String> names = Topics.all().stream().map(Topic::name).toList();
            Map<String, TopicDescription> descriptions = admin.describeTopics(names).allTopicNames().get();
            List<ConfigResource> resources = names.stream().map(n -> new ConfigResource(ConfigResource.Type.TOPIC, n)).toList();
            Map<ConfigResource, Config> configs = admin.describeConfigs(resources).all().get();
            for (Topic<String, ?> topic : Topics.all()) {
                assertThat(descriptions.get(topic.name()).partitions()).hasSize(topic.partitions());
                Config config = configs.get(new ConfigResource(ConfigResource.Type.TOPIC, topic.name()));
                for (Map.Entry<String, String> expected : topic.configs().entrySet()) {
                    assertThat(config.get(expected.getKey()).value()).as(topic.name() + " " + expected.getKey())
                            .isEqualTo(expected.getValue());
                }
            }
        }
    }

    private static void awaitCheckpoint(LocalStack stack) throws InterruptedException {
        Path jobDir = stack.checkpointDir().resolve(io.matchstream.ingest.IngestConfig.JOB_NAME);
        for (int i = 0; i < 100 && io.matchstream.embedded.Checkpoints.latest(jobDir).isEmpty(); i++) {
            Thread.sleep(100);
        }
        assertThat(io.matchstream.embedded.Checkpoints.latest(jobDir)).isPresent();
    }

    private static List<JsonNode> tail(LocalStack stack, String topic, int max) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        TailCommand.tail(stack.bootstrapServers(), stack.registryUrl(), topic, false, max, 60, new PrintStream(out, true, StandardCharsets.UTF_8));
        return parse(out);
    }

    private static List<JsonNode> tailAll(LocalStack stack, String topic) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        TailCommand.tail(stack.bootstrapServers(), stack.registryUrl(), topic, false, Integer.MAX_VALUE, 3, new PrintStream(out, true, StandardCharsets.UTF_8));
        return parse(out);
    }

    private static List<JsonNode> parse(ByteArrayOutputStream out) throws Exception {
        String text = out.toString(StandardCharsets.UTF_8).trim();
        if (text.isEmpty()) {
            return List.of();
        }
        return Arrays.stream(text.split("\n")).map(line -> {
            try {
                return RecordJson.MAPPER.readTree(line);
            } catch (Exception e) {
                throw new AssertionError("not JSON: " + line, e);
            }
        }).collect(Collectors.toList());
    }

    private static PrintStream quiet() {
        return new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
    }
}
