package io.matchstream.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import io.matchstream.schemas.flink.Outgoing;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.runtime.state.StateBackend;
import org.apache.flink.runtime.state.hashmap.HashMapStateBackend;
import org.apache.flink.state.rocksdb.EmbeddedRocksDBStateBackend;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Every case runs on both state backends the job supports: RocksDB (the default) and heap. */
class DeduplicateFunctionHarnessTest {
    private static final Duration TTL = Duration.ofHours(1);

    @ParameterizedTest
    @ValueSource(strings = {"rocksdb", "hashmap"})
    void firstEventPassesAndRepeatsAreDropped(String backend) throws Exception {
        try (var harness = harness(backend)) {
            harness.open();
            harness.processElement(event("s:1", "a"), 0);
            harness.processElement(event("s:2", "b"), 0);
            harness.processElement(event("s:1", "a-again"), 0);
            assertThat(values(harness)).containsExactly("a", "b");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"rocksdb", "hashmap"})
    void bothRecordsOfAnEventAreEmittedOnce(String backend) throws Exception {
        try (var harness = harness(backend)) {
            harness.open();
            ValidatedEvent profile = new ValidatedEvent("p:1", out("profile"), out("attributes"));
            harness.processElement(profile, 0);
            harness.processElement(profile, 0);
            assertThat(values(harness)).containsExactly("profile", "attributes");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"rocksdb", "hashmap"})
    void seenIdsSurviveSnapshotAndRestore(String backend) throws Exception {
        OperatorSubtaskState snapshot;
        try (var harness = harness(backend)) {
            harness.open();
            harness.processElement(event("s:1", "a"), 0);
            snapshot = harness.snapshot(1, 100);
        }
        try (var restored = harness(backend)) {
            restored.initializeState(snapshot);
            restored.open();
            restored.processElement(event("s:1", "a-replayed"), 0);
            restored.processElement(event("s:3", "c"), 0);
            assertThat(values(restored)).containsExactly("c");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"rocksdb", "hashmap"})
    void idsAreForgottenAfterTheirTimeToLive(String backend) throws Exception {
        try (var harness = harness(backend)) {
            harness.setStateTtlProcessingTime(0);
            harness.open();
            harness.processElement(event("s:1", "a"), 0);
            harness.setStateTtlProcessingTime(TTL.toMillis() - 1);
            harness.processElement(event("s:1", "within-ttl"), 0);
            harness.setStateTtlProcessingTime(TTL.toMillis() + 1);
            harness.processElement(event("s:1", "after-ttl"), 0);
            assertThat(values(harness)).containsExactly("a", "after-ttl");
        }
    }

    private static KeyedOneInputStreamOperatorTestHarness<String, ValidatedEvent, Outgoing> harness(String backend)
            throws Exception {
        var harness = new KeyedOneInputStreamOperatorTestHarness<>(
                new KeyedProcessOperator<>(new DeduplicateFunction(TTL)), (ValidatedEvent e) -> e.dedupKey, Types.STRING);
        StateBackend stateBackend = backend.equals("rocksdb") ? new EmbeddedRocksDBStateBackend() : new HashMapStateBackend();
        harness.setStateBackend(stateBackend);
        return harness;
    }

    private static ValidatedEvent event(String key, String value) {
        return new ValidatedEvent(key, out(value), null);
    }

    private static Outgoing out(String value) {
        return new Outgoing("t", null, value.getBytes(StandardCharsets.UTF_8));
    }

    private static List<String> values(KeyedOneInputStreamOperatorTestHarness<String, ValidatedEvent, Outgoing> harness) {
        return harness.extractOutputValues().stream().map(o -> new String(o.value, StandardCharsets.UTF_8)).toList();
    }
}
