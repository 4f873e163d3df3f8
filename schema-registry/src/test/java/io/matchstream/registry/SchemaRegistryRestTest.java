package io.matchstream.registry;

import static io.matchstream.registry.RestCalls.schemaBody;
import static io.matchstream.registry.TestSchemas.record;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.matchstream.embedded.EmbeddedKafkaBroker;
import io.matchstream.registry.RestCalls.Answer;
import io.matchstream.schemas.wire.RegistryException;
import io.matchstream.schemas.wire.SchemaRegistryClient;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.avro.Schema;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every endpoint of the REST API with Confluent's shapes and error codes, against a registry on a real broker. */
class SchemaRegistryRestTest {
    @TempDir
    static Path dataDir;
    static RunningRegistry registry;
    static EmbeddedKafkaBroker broker;
    static SchemaRegistryServer server;
    static RestCalls rest;

    static final String USER_V1 = record("User", "id string");
    static final String USER_V2 = record("User", "id string", "age int 0");

    @BeforeAll
    static void startRegistry() {
        registry = RunningRegistry.start(dataDir);
        broker = registry.broker;
        server = registry.server;
        rest = new RestCalls(server.url());
    }

    @AfterAll
    static void stop() {
        if (registry != null) {
            registry.close();
        }
    }

    @Test
    void rootTypesAndUnknownRoutesAnswerLikeConfluent() {
        Answer root = rest.get("/");
        assertThat(root.status()).isEqualTo(200);
        assertThat(root.contentType()).isEqualTo("application/vnd.schemaregistry.v1+json");
        assertThat(root.body().toString()).isEqualTo("{}");

        assertThat(rest.get("/schemas/types").body().toString()).isEqualTo("[\"AVRO\"]");

        Answer unknown = rest.get("/no/such/route");
        assertThat(unknown.status()).isEqualTo(404);
        assertThat(unknown.errorCode()).isEqualTo(404);
        assertThat(unknown.body().path("message").isTextual()).isTrue();

        Answer wrongMethod = rest.put("/subjects", "{}");
        assertThat(wrongMethod.status()).isEqualTo(405);
        assertThat(wrongMethod.errorCode()).isEqualTo(405);
    }

    @Test
    void registersIdempotentlyAndReadsBackEveryWay() {
        String account = record("Account", "id string");
        Answer registered = rest.post("/subjects/users-value/versions", schemaBody(account));
        assertThat(registered.status()).isEqualTo(200);
        int id = registered.body().get("id").asInt();
        assertThat(registered.body().size()).isEqualTo(1);

        // The same schema again, even formatted differently, is the same version.
        String reformatted = "  " + account.replace(",", " ,\n ");
        assertThat(rest.post("/subjects/users-value/versions", schemaBody(reformatted)).body().get("id").asInt())
                .isEqualTo(id);
        assertThat(rest.get("/subjects/users-value/versions").body().toString()).isEqualTo("[1]");

        JsonNode byId = rest.get("/schemas/ids/" + id).body();
        assertThat(new Schema.Parser().parse(byId.get("schema").asText()))
                .isEqualTo(new Schema.Parser().parse(account));
        assertThat(rest.get("/schemas/ids/" + id + "?subject=users-value").body()).isEqualTo(byId);
        assertThat(rest.get("/schemas/ids/" + id + "/versions").body().toString())
                .isEqualTo("[{\"subject\":\"users-value\",\"version\":1}]");

        JsonNode version = rest.get("/subjects/users-value/versions/1").body();
        assertThat(version.get("subject").asText()).isEqualTo("users-value");
        assertThat(version.get("version").asInt()).isEqualTo(1);
        assertThat(version.get("id").asInt()).isEqualTo(id);
        assertThat(version.get("schema").asText()).isEqualTo(byId.get("schema").asText());
        assertThat(rest.get("/subjects/users-value/versions/latest").body()).isEqualTo(version);
        assertThat(rest.get("/subjects/users-value/versions/-1").body()).isEqualTo(version);
        assertThat(rest.get("/subjects/users-value/versions/1/schema").body().get("name").asText()).isEqualTo("Account");

        JsonNode lookup = rest.post("/subjects/users-value", schemaBody(account)).body();
        assertThat(lookup).isEqualTo(version);
        assertThat(rest.get("/subjects").body().toString()).contains("\"users-value\"");
    }

    @Test
    void aSchemaKeepsItsGlobalIdUnderEverySubject() {
        String schema = record("Shared", "x long");
        int first = rest.post("/subjects/shared-a/versions", schemaBody(schema)).body().get("id").asInt();
        int second = rest.post("/subjects/shared-b/versions", schemaBody(schema)).body().get("id").asInt();
        int other = rest.post("/subjects/shared-c/versions", schemaBody(record("Shared", "y long"))).body().get("id").asInt();

        assertThat(second).isEqualTo(first);
        assertThat(other).isNotEqualTo(first);
        assertThat(rest.get("/schemas/ids/" + first + "/versions").body().toString())
                .isEqualTo("[{\"subject\":\"shared-a\",\"version\":1},{\"subject\":\"shared-b\",\"version\":1}]");
        assertThat(rest.get("/schemas/ids/" + first + "/subjects").body().toString())
                .isEqualTo("[\"shared-a\",\"shared-b\"]");
    }

    @Test
    void newVersionsCountUpAndLatestFollows() {
        int v1 = rest.post("/subjects/growing/versions", schemaBody(USER_V1)).body().get("id").asInt();
        int v2 = rest.post("/subjects/growing/versions", schemaBody(USER_V2)).body().get("id").asInt();

        assertThat(v2).isGreaterThan(v1);
        assertThat(rest.get("/subjects/growing/versions").body().toString()).isEqualTo("[1,2]");
        assertThat(rest.get("/subjects/growing/versions/latest").body().get("id").asInt()).isEqualTo(v2);
        assertThat(rest.post("/subjects/growing", schemaBody(USER_V1)).body().get("version").asInt()).isEqualTo(1);
    }

    @Test
    void refusesWhatIsNotAnAvroSchema() {
        Answer garbage = rest.post("/subjects/bad/versions", schemaBody("{\"type\": \"record\", \"name\": "));
        assertThat(garbage.status()).isEqualTo(422);
        assertThat(garbage.errorCode()).isEqualTo(42201);

        Answer badDefault = rest.post("/subjects/bad/versions", schemaBody(record("Bad", "n int \"zero\"")));
        assertThat(badDefault.errorCode()).isEqualTo(42201);

        Answer protobuf = rest.post("/subjects/bad/versions",
                "{\"schema\": \"syntax = \\\"proto3\\\";\", \"schemaType\": \"PROTOBUF\"}");
        assertThat(protobuf.status()).isEqualTo(422);
        assertThat(protobuf.errorCode()).isEqualTo(42201);

        Answer explicitAvro = rest.post("/subjects/explicit/versions",
                RestCalls.JSON.createObjectNode().put("schema", USER_V1).put("schemaType", "AVRO")
                        .set("references", RestCalls.JSON.createArrayNode()).toString());
        assertThat(explicitAvro.status()).isEqualTo(200);

        Answer noSchema = rest.post("/subjects/bad/versions", "{}");
        assertThat(noSchema.errorCode()).isEqualTo(42201);

        Answer notJson = rest.post("/subjects/bad/versions", "not json");
        assertThat(notJson.status()).isEqualTo(400);
        assertThat(notJson.errorCode()).isEqualTo(400);

        assertThat(rest.get("/subjects/bad/versions").errorCode()).isEqualTo(40401);
    }

    @Test
    void missingThingsAnswerTheirOwnErrorCodes() {
        rest.post("/subjects/present/versions", schemaBody(USER_V1));

        Answer noSubject = rest.post("/subjects/absent", schemaBody(USER_V1));
        assertThat(noSubject.status()).isEqualTo(404);
        assertThat(noSubject.errorCode()).isEqualTo(40401);

        Answer noSchema = rest.post("/subjects/present", schemaBody(record("Other", "z int")));
        assertThat(noSchema.status()).isEqualTo(404);
        assertThat(noSchema.errorCode()).isEqualTo(40403);

        assertThat(rest.get("/schemas/ids/987654").errorCode()).isEqualTo(40403);
        assertThat(rest.get("/schemas/ids/987654/versions").errorCode()).isEqualTo(40403);
        assertThat(rest.get("/subjects/absent/versions").errorCode()).isEqualTo(40401);
        assertThat(rest.get("/subjects/absent/versions/1").errorCode()).isEqualTo(40401);
        assertThat(rest.get("/subjects/present/versions/7").errorCode()).isEqualTo(40402);
        assertThat(rest.get("/subjects/present/versions/7").status()).isEqualTo(404);

        for (String invalid : List.of("0", "-2", "abc", "1.5")) {
            Answer answer = rest.get("/subjects/present/versions/" + invalid);
            assertThat(answer.status()).as(invalid).isEqualTo(422);
            assertThat(answer.errorCode()).as(invalid).isEqualTo(42202);
        }
    }

    @Test
    void testsCompatibilityWithoutRegistering() {
        rest.post("/subjects/compat-probe/versions", schemaBody(USER_V1));
        String withoutDefault = record("User", "id string", "age int");

        assertThat(rest.post("/compatibility/subjects/compat-probe/versions/latest", schemaBody(USER_V2)).body().toString())
                .isEqualTo("{\"is_compatible\":true}");
        assertThat(rest.post("/compatibility/subjects/compat-probe/versions/1", schemaBody(withoutDefault)).body()
                .get("is_compatible").asBoolean()).isFalse();
        assertThat(rest.post("/compatibility/subjects/compat-probe/versions", schemaBody(USER_V2)).body()
                .get("is_compatible").asBoolean()).isTrue();

        JsonNode verbose = rest.post("/compatibility/subjects/compat-probe/versions/latest?verbose=true",
                schemaBody(withoutDefault)).body();
        assertThat(verbose.get("is_compatible").asBoolean()).isFalse();
        assertThat(verbose.get("messages").toString()).contains("READER_FIELD_MISSING_DEFAULT_VALUE").contains("age");
        assertThat(rest.post("/compatibility/subjects/compat-probe/versions/latest?verbose=true", schemaBody(USER_V2))
                .body().get("messages").size()).isZero();

        assertThat(rest.post("/compatibility/subjects/nobody/versions/latest", schemaBody(USER_V2)).errorCode())
                .isEqualTo(40401);
        assertThat(rest.post("/compatibility/subjects/compat-probe/versions/9", schemaBody(USER_V2)).errorCode())
                .isEqualTo(40402);
        assertThat(rest.get("/subjects/compat-probe/versions").body().toString()).isEqualTo("[1]");
    }

    @Test
    void globalAndSubjectLevels() {
        assertThat(rest.get("/config").body().toString()).isEqualTo("{\"compatibilityLevel\":\"BACKWARD\"}");
        try {
            Answer set = rest.put("/config", "{\"compatibility\":\"FULL\"}");
            assertThat(set.status()).isEqualTo(200);
            assertThat(set.body().toString()).isEqualTo("{\"compatibility\":\"FULL\"}");
            assertThat(rest.get("/config").body().toString()).isEqualTo("{\"compatibilityLevel\":\"FULL\"}");

            Answer unset = rest.get("/config/leveled");
            assertThat(unset.status()).isEqualTo(404);
            assertThat(unset.errorCode()).isEqualTo(40408);
            assertThat(rest.get("/config/leveled?defaultToGlobal=true").body().toString())
                    .isEqualTo("{\"compatibilityLevel\":\"FULL\"}");

            assertThat(rest.put("/config/leveled", "{\"compatibility\":\"none\"}").body().toString())
                    .isEqualTo("{\"compatibility\":\"NONE\"}");
            assertThat(rest.get("/config/leveled").body().toString()).isEqualTo("{\"compatibilityLevel\":\"NONE\"}");
            assertThat(rest.delete("/config/leveled").body().toString()).isEqualTo("{\"compatibilityLevel\":\"NONE\"}");
            assertThat(rest.get("/config/leveled").errorCode()).isEqualTo(40408);
            assertThat(rest.delete("/config/leveled").errorCode()).isEqualTo(40401);

            for (String bad : List.of("{\"compatibility\":\"SIDEWAYS\"}", "{}")) {
                Answer invalid = rest.put("/config/leveled", bad);
                assertThat(invalid.status()).isEqualTo(422);
                assertThat(invalid.errorCode()).isEqualTo(42203);
            }
            assertThat(rest.put("/config", "{\"compatibility\":\"BACKWARDS\"}").errorCode()).isEqualTo(42203);
        } finally {
            rest.put("/config", "{\"compatibility\":\"BACKWARD\"}");
        }
        assertThat(rest.get("/config").body().toString()).isEqualTo("{\"compatibilityLevel\":\"BACKWARD\"}");
    }

    @Test
    void softDeleteHidesThenPermanentDeleteRemoves() {
        int id1 = rest.post("/subjects/doomed/versions", schemaBody(USER_V1)).body().get("id").asInt();
        rest.post("/subjects/doomed/versions", schemaBody(USER_V2));

        assertThat(rest.delete("/subjects/doomed?permanent=true").errorCode()).isEqualTo(40405);
        Answer soft = rest.delete("/subjects/doomed");
        assertThat(soft.status()).isEqualTo(200);
        assertThat(soft.body().toString()).isEqualTo("[1,2]");

        assertThat(rest.get("/subjects").body().toString()).doesNotContain("\"doomed\"");
        assertThat(rest.get("/subjects?deleted=true").body().toString()).contains("\"doomed\"");
        assertThat(rest.get("/subjects/doomed/versions").errorCode()).isEqualTo(40401);
        assertThat(rest.get("/subjects/doomed/versions?deleted=true").body().toString()).isEqualTo("[1,2]");
        assertThat(rest.get("/subjects/doomed/versions/latest").errorCode()).isEqualTo(40401);
        assertThat(rest.post("/subjects/doomed", schemaBody(USER_V1)).errorCode()).isEqualTo(40401);
        assertThat(rest.post("/subjects/doomed?deleted=true", schemaBody(USER_V1)).body().get("version").asInt())
                .isEqualTo(1);
        assertThat(rest.get("/schemas/ids/" + id1).status()).as("ids stay readable for old data").isEqualTo(200);
        assertThat(rest.delete("/subjects/doomed").errorCode()).isEqualTo(40404);

        // Registering the same schema again brings its id back as a new version.
        assertThat(rest.post("/subjects/doomed/versions", schemaBody(USER_V1)).body().get("id").asInt()).isEqualTo(id1);
        assertThat(rest.get("/subjects/doomed/versions").body().toString()).isEqualTo("[3]");

        assertThat(rest.delete("/subjects/doomed").body().toString()).isEqualTo("[3]");
        assertThat(rest.delete("/subjects/doomed?permanent=true").body().toString()).isEqualTo("[1,2,3]");
        assertThat(rest.get("/subjects?deleted=true").body().toString()).doesNotContain("\"doomed\"");
        assertThat(rest.delete("/subjects/doomed").errorCode()).isEqualTo(40401);
        assertThat(rest.delete("/subjects/never-was").errorCode()).isEqualTo(40401);
    }

    @Test
    void deletesSingleVersions() {
        rest.post("/subjects/pruned/versions", schemaBody(USER_V1));
        rest.post("/subjects/pruned/versions", schemaBody(USER_V2));

        assertThat(rest.delete("/subjects/pruned/versions/1?permanent=true").errorCode()).isEqualTo(40407);
        assertThat(rest.delete("/subjects/pruned/versions/1").body().asInt()).isEqualTo(1);
        assertThat(rest.delete("/subjects/pruned/versions/1").errorCode()).isEqualTo(40406);
        assertThat(rest.get("/subjects/pruned/versions").body().toString()).isEqualTo("[2]");
        assertThat(rest.get("/subjects/pruned/versions/1").errorCode()).isEqualTo(40402);
        assertThat(rest.get("/subjects/pruned/versions/1?deleted=true").body().get("version").asInt()).isEqualTo(1);

        assertThat(rest.delete("/subjects/pruned/versions/1?permanent=true").body().asInt()).isEqualTo(1);
        assertThat(rest.get("/subjects/pruned/versions?deleted=true").body().toString()).isEqualTo("[2]");
        assertThat(rest.delete("/subjects/pruned/versions/latest").body().asInt()).isEqualTo(2);
        assertThat(rest.get("/subjects").body().toString()).doesNotContain("\"pruned\"");
        assertThat(rest.delete("/subjects/pruned/versions/9").errorCode()).isEqualTo(40401);
        assertThat(rest.delete("/subjects/pruned/versions/abc").errorCode()).isEqualTo(42202);
    }

    @Test
    void subjectsWithSpecialCharactersRoundTrip() {
        String subject = "team a/orders+v1-value";
        SchemaRegistryClient client = new SchemaRegistryClient(server.url());
        int id = client.register(subject, new Schema.Parser().parse(USER_V1));

        assertThat(new SchemaRegistryClient(server.url()).lookup(subject, new Schema.Parser().parse(USER_V1))).isEqualTo(id);
        List<String> subjects = new ArrayList<>();
        rest.get("/subjects").body().forEach(node -> subjects.add(node.asText()));
        assertThat(subjects).contains(subject);
    }

    @Test
    void theJavaClientSeesConfluentErrorCodes() {
        SchemaRegistryClient client = new SchemaRegistryClient(server.url());
        Schema schema = new Schema.Parser().parse(record("Lonely", "q int"));
        int id = client.register("client-value", schema);

        assertThat(client.schemaById(id)).isEqualTo(schema);
        assertThat(client.latest("client-value").get("id").asInt()).isEqualTo(id);
        assertThatThrownBy(() -> client.lookup("client-value", new Schema.Parser().parse(record("Lonely", "r int"))))
                .isInstanceOfSatisfying(RegistryException.class, e -> {
                    assertThat(e.httpStatus()).isEqualTo(404);
                    assertThat(e.errorCode()).isEqualTo(40403);
                });
        assertThatThrownBy(() -> client.schemaById(424242))
                .isInstanceOfSatisfying(RegistryException.class, e -> assertThat(e.errorCode()).isEqualTo(40403));
        assertThatThrownBy(() -> client.register("client-value", new Schema.Parser().parse(record("Lonely", "q string"))))
                .isInstanceOfSatisfying(RegistryException.class, e -> {
                    assertThat(e.httpStatus()).isEqualTo(409);
                    assertThat(e.errorCode()).isEqualTo(409);
                    assertThat(e.isTransient()).isFalse();
                });
    }
}
