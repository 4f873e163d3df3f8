package io.matchstream.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import io.matchstream.events.DeadLetter;
import io.matchstream.schemas.Topics;
import io.matchstream.schemas.flink.Outgoing;
import io.matchstream.schemas.flink.RawEvent;
import io.matchstream.schemas.wire.InMemorySchemaRegistry;
import io.matchstream.schemas.wire.RegistryConnector;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.api.operators.ProcessOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

class ValidateFunctionHarnessTest {
    private static final InMemorySchemaRegistry REGISTRY = new InMemorySchemaRegistry();

    @Test
    void validEventsGoOnAndBadOnesBecomeDeadLettersWithoutStoppingTheOperator() throws Exception {
        EventMix mix = EventMix.of(REGISTRY, 300);
        try (var harness = harness()) {
            harness.open();
            long offset = 0;
            for (EventMix.Raw r : mix.records) {
                harness.processElement(new RawEvent(r.topic(), 1, offset++, 0, r.key(), r.value()), 0);
            }
            int valid = harness.extractOutputValues().size();
            ConcurrentLinkedQueue<StreamRecord<Outgoing>> dead = harness.getSideOutput(ValidateFunction.DEAD_LETTERS);
            assertThat(valid + dead.size()).isEqualTo(mix.records.size());
            assertThat(dead).hasSize(mix.expectedDeadLetterCount());
            List<DeadLetter> letters = dead.stream()
                    .map(r -> Topics.DEAD_LETTERS.valueDeserializer(REGISTRY).deserialize("", r.getValue().value))
                    .toList();
            assertThat(letters).allSatisfy(l -> {
                assertThat(l.getSourcePartition()).isEqualTo(1);
                assertThat(l.getRawValue()).isNotNull();
                assertThat(l.getJob()).isEqualTo(IngestConfig.JOB_NAME);
            });
            assertThat(letters.stream().map(DeadLetter::getReasonCode).distinct().sorted().toList())
                    .isEqualTo(List.copyOf(mix.expectedDeadLetters.keySet()));
        }
    }

    @Test
    void statelessOperatorRestoresFromASnapshot() throws Exception {
        EventMix mix = EventMix.of(REGISTRY, 60);
        OperatorSubtaskState snapshot;
        try (var harness = harness()) {
            harness.open();
            snapshot = harness.snapshot(1, 1);
        }
        try (var restored = harness()) {
            restored.initializeState(snapshot);
            restored.open();
            EventMix.Raw last = mix.records.get(mix.records.size() - 1);
            restored.processElement(new RawEvent(last.topic(), 0, 0, 0, last.key(), last.value()), 0);
            assertThat(restored.extractOutputValues()).hasSize(1);
        }
    }

    private static OneInputStreamOperatorTestHarness<RawEvent, ValidatedEvent> harness() throws Exception {
        RegistryConnector registry = () -> REGISTRY;
        return new OneInputStreamOperatorTestHarness<>(
                new ProcessOperator<>(new ValidateFunction(registry, IngestConfig.defaults())));
    }
}
