package io.matchstream.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import io.matchstream.embedded.EmbeddedKafkaBroker;
import io.matchstream.events.RawSwipe;
import io.matchstream.schemas.wire.AvroSerializer;
import io.matchstream.schemas.wire.GenericAvroDeserializer;
import io.matchstream.schemas.wire.SchemaRegistryClient;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.avro.generic.GenericRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Confluent's official JavaScript client and Avro serdes ({@code conformance/conformance.mjs}) against this
 * registry, with bytes crossing both ways between them and the Java serdes.
 */
class JsClientConformanceTest {
    private static final long NODE_TIMEOUT_S = 120;

    @TempDir
    static Path dataDir;
    static RunningRegistry registry;
    static EmbeddedKafkaBroker broker;
    static SchemaRegistryServer server;

    @TempDir
    Path workDir;

    static final RawSwipe SWIPE = RawSwipe.newBuilder()
            .setEventId("e-42").setSwiperId("alice").setTargetId("bob").setAction("superlike")
            .setTimestamp(Instant.ofEpochMilli(1_700_000_000_123L))
            .build();

    @BeforeAll
    static void startRegistry() {
        registry = RunningRegistry.start(dataDir);
        broker = registry.broker;
        server = registry.server;
    }

    @AfterAll
    static void stop() {
        if (registry != null) {
            registry.close();
        }
    }

    @Test
    void theOfficialJsClientAndSerdesWorkWithThisRegistry() throws Exception {
        Path conformance = conformanceDir();
        if (!Files.isDirectory(conformance.resolve("node_modules/@confluentinc/schemaregistry"))) {
            fail(conformance.resolve("node_modules") + " is missing: "
                    + "run `npm ci --prefix conformance` (./matchstream setup does this)");
        }
        byte[] javaBytes = new AvroSerializer<RawSwipe>(new SchemaRegistryClient(server.url()), true)
                .serialize("conformance-java", SWIPE);
        Files.write(workDir.resolve("java-rawswipe.bin"), javaBytes);
        Files.writeString(workDir.resolve("java-rawswipe.json"), RestCalls.JSON.createObjectNode()
                .put("eventId", SWIPE.getEventId())
                .put("swiperId", SWIPE.getSwiperId())
                .put("targetId", SWIPE.getTargetId())
                .put("action", SWIPE.getAction())
                .put("timestamp", SWIPE.getTimestamp().toEpochMilli())
                .toString());

        String output = runNode(conformance);
        System.out.println(output);

        GenericAvroDeserializer reader = new GenericAvroDeserializer(new SchemaRegistryClient(server.url()));
        GenericRecord greeting = reader.deserialize("conformance", Files.readAllBytes(workDir.resolve("js-greeting.bin")));
        assertThat(greeting.getSchema().getFullName()).isEqualTo("io.matchstream.conformance.Greeting");
        assertThat(greeting.get("name").toString()).isEqualTo("from-js");
        assertThat(greeting.get("count")).isEqualTo(42);
        assertThat(greeting.get("score")).isEqualTo(0.1);
        assertThat(((List<?>) greeting.get("tags")).stream().map(Object::toString).toList()).containsExactly("a", "b");
        assertThat(greeting.get("note").toString()).isEqualTo("hello");

        GenericRecord inferred = reader.deserialize("conformance-auto", Files.readAllBytes(workDir.resolve("js-auto.bin")));
        assertThat(inferred.get("name").toString()).isEqualTo("auto");
        assertThat(inferred.get("count")).isEqualTo(7);
        assertThat(((Number) inferred.get("score")).doubleValue()).isEqualTo(0.5);

        GenericRecord member = reader.deserialize("conformance-evolution",
                Files.readAllBytes(workDir.resolve("js-evolution-v1.bin")));
        assertThat(member.get("id").toString()).isEqualTo("m-1");
        assertThat(member.get("age")).isEqualTo(30);

        RestCalls rest = new RestCalls(server.url());
        assertThat(rest.get("/subjects/conformance-evolution-value/versions").body().toString()).isEqualTo("[1,2]");
        assertThat(rest.get("/subjects").body().toString())
                .contains("\"conformance-value\"", "\"conformance-auto-value\"", "\"conformance-java-value\"");
    }

    private String runNode(Path conformance) throws IOException, InterruptedException {
        Path log = workDir.resolve("node.log");
        Process node;
        try {
            node = new ProcessBuilder("node", "conformance.mjs", server.url(), workDir.toString())
                    .directory(conformance.toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(log.toFile())
                    .start();
        } catch (IOException e) {
            throw new AssertionError("cannot run `node` (Node.js 20 or newer must be on the PATH): " + e, e);
        }
        if (!node.waitFor(NODE_TIMEOUT_S, TimeUnit.SECONDS)) {
            node.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            fail("conformance.mjs did not finish within " + NODE_TIMEOUT_S + " s; its output:\n" + Files.readString(log));
        }
        String output = Files.readString(log);
        assertThat(node.exitValue()).as("conformance.mjs exit code; its output:\n%s", output).isZero();
        return output;
    }

    /** The repository's {@code conformance} folder, next to this module. */
    private static Path conformanceDir() {
        String moduleDir = System.getProperty("basedir", System.getProperty("user.dir"));
        return Path.of(moduleDir).resolve("../conformance").toAbsolutePath().normalize();
    }
}
