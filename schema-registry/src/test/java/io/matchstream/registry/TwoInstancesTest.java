package io.matchstream.registry;

import static io.matchstream.registry.RestCalls.schemaBody;
import static io.matchstream.registry.TestSchemas.record;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.matchstream.embedded.EmbeddedKafkaBroker;
import io.matchstream.registry.RestCalls.Answer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.avro.Schema;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two registries started at once on one topic, written to concurrently: producer fencing must keep ids and
 * (subject, version) pairs unique, and both must end up answering the same.
 */
class TwoInstancesTest {
    private static final int SCHEMAS = 20;
    private static final int SUBJECTS = 3;
    private static final int THREADS = 4;

    @TempDir
    static Path dataDir;
    static EmbeddedKafkaBroker broker;
    static final List<SchemaRegistryServer> servers = new ArrayList<>();

    @BeforeAll
    static void startTwoAtOnce() throws Exception {
        broker = new EmbeddedKafkaBroker(dataDir, 0).start();
        RegistryConfig config = RegistryConfig.defaults(broker.bootstrapServers()).withPort(0).withTopic("_schemas_shared");
        ExecutorService starter = Executors.newFixedThreadPool(2);
        try {
            Future<SchemaRegistryServer> a = starter.submit(() -> new SchemaRegistryServer(config).start());
            Future<SchemaRegistryServer> b = starter.submit(() -> new SchemaRegistryServer(config).start());
            servers.add(a.get(60, TimeUnit.SECONDS));
            servers.add(b.get(60, TimeUnit.SECONDS));
        } finally {
            starter.shutdown();
        }
    }

    @AfterAll
    static void stop() {
        servers.forEach(SchemaRegistryServer::close);
        if (broker != null) {
            broker.close();
        }
    }

    @Test
    void concurrentWritesThroughBothInstancesNeverShareAnIdOrAVersion() throws Exception {
        List<RestCalls> instances = servers.stream().map(s -> new RestCalls(s.url())).toList();
        // Any schema may follow any other in these subjects: only id and version assignment is under test.
        for (int s = 0; s < SUBJECTS; s++) {
            assertThat(instances.get(s % 2).put("/config/race-" + s, "{\"compatibility\":\"NONE\"}").status()).isEqualTo(200);
        }

        Map<String, Set<Integer>> idsBySchema = new ConcurrentHashMap<>();
        ExecutorService clients = Executors.newFixedThreadPool(THREADS);
        List<Future<?>> calls = new ArrayList<>();
        for (int i = 0; i < SCHEMAS; i++) {
            int n = i;
            calls.add(clients.submit(() -> {
                String schema = record("Race", "f" + n + " int");
                String subject = "race-" + (n % SUBJECTS);
                // Each schema is registered through both instances, the first one alternating.
                for (int k = 0; k < 2; k++) {
                    Answer answer = instances.get((n + k) % 2).post("/subjects/" + subject + "/versions", schemaBody(schema));
                    assertThat(answer.status()).as(answer.body().toString()).isEqualTo(200);
                    idsBySchema.computeIfAbsent(canonical(schema), x -> ConcurrentHashMap.newKeySet())
                            .add(answer.body().get("id").asInt());
                }
            }));
        }
        try {
            for (Future<?> call : calls) {
                call.get(90, TimeUnit.SECONDS);
            }
        } finally {
            clients.shutdownNow();
        }

        // Every schema got one id, from whichever instance it asked, and no two schemas got the same.
        assertThat(idsBySchema).hasSize(SCHEMAS);
        Map<Integer, String> schemaById = new HashMap<>();
        idsBySchema.forEach((schema, ids) -> {
            assertThat(ids).as(schema).hasSize(1);
            assertThat(schemaById.put(ids.iterator().next(), schema)).as("id shared by two schemas").isNull();
        });

        servers.forEach(SchemaRegistryServer::catchUp);
        for (RestCalls instance : instances) {
            for (Map.Entry<Integer, String> entry : schemaById.entrySet()) {
                String stored = instance.get("/schemas/ids/" + entry.getKey()).body().get("schema").asText();
                assertThat(canonical(stored)).isEqualTo(entry.getValue());
            }
        }

        // Each subject has versions 1..n, one per schema, and both instances list the same.
        Set<String> seen = new HashSet<>();
        for (int s = 0; s < SUBJECTS; s++) {
            String subject = "race-" + s;
            JsonNode versions = instances.get(0).get("/subjects/" + subject + "/versions").body();
            assertThat(instances.get(1).get("/subjects/" + subject + "/versions").body()).isEqualTo(versions);
            int expected = SCHEMAS / SUBJECTS + (s < SCHEMAS % SUBJECTS ? 1 : 0);
            assertThat(versions).hasSize(expected);
            for (int v = 1; v <= expected; v++) {
                JsonNode first = instances.get(0).get("/subjects/" + subject + "/versions/" + v).body();
                JsonNode second = instances.get(1).get("/subjects/" + subject + "/versions/" + v).body();
                assertThat(second).isEqualTo(first);
                assertThat(schemaById.get(first.get("id").asInt())).isEqualTo(canonical(first.get("schema").asText()));
                assertThat(seen.add(canonical(first.get("schema").asText()))).as("schema under two versions").isTrue();
            }
        }
        assertThat(seen).hasSize(SCHEMAS);
    }

    private static String canonical(String schema) {
        return new Schema.Parser().parse(schema).toString();
    }
}
