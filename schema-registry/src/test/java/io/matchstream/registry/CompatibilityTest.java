package io.matchstream.registry;

import static io.matchstream.registry.RestCalls.schemaBody;
import static io.matchstream.registry.TestSchemas.record;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.matchstream.embedded.EmbeddedKafkaBroker;
import io.matchstream.registry.RestCalls.Answer;
import java.nio.file.Path;
import java.util.TreeMap;
import org.apache.avro.Schema;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What each compatibility level lets a subject's next version be, as a producer registering it sees it. */
class CompatibilityTest {
    @TempDir
    static Path dataDir;
    static RunningRegistry registry;
    static EmbeddedKafkaBroker broker;
    static SchemaRegistryServer server;
    static RestCalls rest;

    static final String ID = record("Profile", "id string");
    static final String ID_AGE_DEFAULT = record("Profile", "id string", "age int 0");
    static final String ID_AGE = record("Profile", "id string", "age int");
    static final String ID_AS_LONG = record("Profile", "id long");

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
    void backwardIsTheDefaultAndAcceptsAFieldWithADefault() {
        assertThat(register("backward-ok", ID).status()).isEqualTo(200);
        assertThat(register("backward-ok", ID_AGE_DEFAULT).status()).isEqualTo(200);
        assertThat(rest.get("/subjects/backward-ok/versions").body().toString()).isEqualTo("[1,2]");
        // Dropping a field is backward compatible too: the new reader ignores it in old data.
        assertThat(register("backward-ok", record("Profile", "age int 0")).status()).isEqualTo(200);
        assertThat(rest.get("/subjects/backward-ok/versions").body().toString()).isEqualTo("[1,2,3]");
    }

    @Test
    void backwardRefusesAFieldWithoutADefault() {
        register("backward-no", ID);
        Answer refused = register("backward-no", ID_AGE);

        assertThat(refused.status()).isEqualTo(409);
        assertThat(refused.errorCode()).isEqualTo(409);
        assertThat(refused.body().get("message").asText()).contains("incompatible").contains("age");
        assertThat(rest.get("/subjects/backward-no/versions").body().toString()).isEqualTo("[1]");
    }

    @Test
    void noneAcceptsAnything() {
        level("anything-goes", "NONE");
        register("anything-goes", ID);
        assertThat(register("anything-goes", ID_AS_LONG).status()).isEqualTo(200);
        assertThat(register("anything-goes", record("Unrelated", "x boolean")).status()).isEqualTo(200);
        assertThat(rest.get("/subjects/anything-goes/versions").body().toString()).isEqualTo("[1,2,3]");
    }

    @Test
    void aTypeChangeIsRefusedByEveryOtherLevel() {
        for (String level : new String[] {"BACKWARD", "BACKWARD_TRANSITIVE", "FORWARD", "FORWARD_TRANSITIVE", "FULL",
                "FULL_TRANSITIVE"}) {
            String subject = "retyped-" + level.toLowerCase();
            level(subject, level);
            register(subject, ID);
            assertThat(register(subject, ID_AS_LONG).status()).as(level).isEqualTo(409);
        }
    }

    @Test
    void forwardLetsOldReadersReadNewData() {
        level("forward", "FORWARD");
        register("forward", ID_AGE);
        // Old readers ignore an added field, whatever its default.
        assertThat(register("forward", record("Profile", "id string", "age int", "city string")).status()).isEqualTo(200);
        // Removing a field the old reader needs and has no default for breaks it.
        assertThat(register("forward", record("Profile", "id string", "city string")).status()).isEqualTo(409);
    }

    @Test
    void fullNeedsBothDirections() {
        level("full", "FULL");
        register("full", record("Profile", "id string", "nick string \"-\""));
        assertThat(register("full", record("Profile", "id string", "nick string \"-\"", "age int")).status())
                .as("no default: the new reader breaks on old data").isEqualTo(409);
        assertThat(register("full", record("Profile", "id string", "nick string \"-\"", "age int 0")).status())
                .isEqualTo(200);
        assertThat(register("full", record("Profile", "id string", "age int 0")).status())
                .as("removing a field with a default").isEqualTo(200);
        assertThat(register("full", record("Profile", "age int 0")).status())
                .as("removing a field without a default breaks the old reader").isEqualTo(409);
    }

    @Test
    void transitiveLevelsCompareWithEveryLiveVersion() {
        // v3 requires age, which v1 data lacks: fine against v2 alone, not against v1.
        for (String level : new String[] {"BACKWARD", "BACKWARD_TRANSITIVE"}) {
            String subject = "chain-" + level.toLowerCase();
            level(subject, level);
            register(subject, ID);
            register(subject, ID_AGE_DEFAULT);
            assertThat(register(subject, ID_AGE).status()).as(level).isEqualTo(level.endsWith("TRANSITIVE") ? 409 : 200);
        }
        // v1 readers require x, v3 drops it: v2 (x with a default) reads v3 data, v1 does not.
        String v1 = record("Profile", "id string", "x int");
        String v2 = record("Profile", "id string", "x int 0");
        for (String level : new String[] {"FORWARD", "FORWARD_TRANSITIVE", "FULL", "FULL_TRANSITIVE"}) {
            String subject = "chain-" + level.toLowerCase();
            level(subject, level);
            register(subject, v1);
            assertThat(register(subject, v2).status()).as(level).isEqualTo(200);
            assertThat(register(subject, ID).status()).as(level).isEqualTo(level.endsWith("TRANSITIVE") ? 409 : 200);
        }
    }

    @Test
    void softDeletedVersionsNoLongerConstrain() {
        level("moved-on", "BACKWARD_TRANSITIVE");
        register("moved-on", ID);
        register("moved-on", ID_AGE_DEFAULT);
        assertThat(register("moved-on", ID_AGE).status()).isEqualTo(409);

        rest.delete("/subjects/moved-on/versions/1");
        assertThat(register("moved-on", ID_AGE).status()).isEqualTo(200);
    }

    @Test
    void theGlobalLevelGovernsSubjectsWithoutTheirOwn() {
        register("global-governed", ID);
        try {
            rest.put("/config", "{\"compatibility\":\"NONE\"}");
            assertThat(register("global-governed", ID_AS_LONG).status()).isEqualTo(200);
            rest.put("/config", "{\"compatibility\":\"FORWARD\"}");
            level("global-governed", "BACKWARD");
            assertThat(register("global-governed", record("Profile", "id long", "age int")).status())
                    .as("the subject's own level wins").isEqualTo(409);
        } finally {
            rest.put("/config", "{\"compatibility\":\"BACKWARD\"}");
        }
    }

    @Test
    void levelsAreDecidedByAvrosReaderWriterRules() {
        Schema id = new Schema.Parser().parse(ID);
        Schema widened = new Schema.Parser().parse(record("Profile", "id string", "n long"));
        Schema narrow = new Schema.Parser().parse(record("Profile", "id string", "n int"));
        TreeMap<Integer, Schema> history = new TreeMap<>();
        history.put(1, narrow);

        // Avro promotes int to long when reading, never the other way round.
        assertThat(Compatibility.BACKWARD.violations(widened, history)).isEmpty();
        assertThat(Compatibility.FORWARD.violations(widened, history)).singleElement().asString()
                .contains("TYPE_MISMATCH").contains("version 1");
        assertThat(Compatibility.NONE.violations(id, history)).isEmpty();
        assertThat(Compatibility.FULL.violations(id, new TreeMap<>())).isEmpty();
        assertThat(Compatibility.parse("full_transitive")).isEqualTo(Compatibility.FULL_TRANSITIVE);
        assertThatThrownBy(() -> Compatibility.parse("LOOSE")).isInstanceOfSatisfying(RegistryError.class,
                e -> assertThat(e.errorCode()).isEqualTo(42203));
    }

    private static Answer register(String subject, String schema) {
        return rest.post("/subjects/" + subject + "/versions", schemaBody(schema));
    }

    private static void level(String subject, String level) {
        assertThat(rest.put("/config/" + subject, "{\"compatibility\":\"" + level + "\"}").status()).isEqualTo(200);
    }
}
