package io.matchstream.ingest;

import io.matchstream.schemas.flink.Outgoing;
import io.matchstream.schemas.flink.RawEvent;
import io.matchstream.schemas.wire.RegistryConnector;
import java.time.Clock;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/** Decodes and checks each raw record: valid ones go on, refused ones leave as dead letters on a side output. */
public class ValidateFunction extends ProcessFunction<RawEvent, ValidatedEvent> {
    public static final OutputTag<Outgoing> DEAD_LETTERS = new OutputTag<>("dead-letters") {};

    private final RegistryConnector registry;
    private final IngestConfig config;
    private transient EventValidator validator;
    private transient Counter valid;
    private transient Counter rejected;

    public ValidateFunction(RegistryConnector registry, IngestConfig config) {
        this.registry = registry;
        this.config = config;
    }

    @Override
    public void open(OpenContext context) {
        validator = new EventValidator(registry.connect(), config, Clock.systemUTC());
        valid = getRuntimeContext().getMetricGroup().counter("validEvents");
        rejected = getRuntimeContext().getMetricGroup().counter("rejectedEvents");
    }

    @Override
    public void processElement(RawEvent raw, Context ctx, Collector<ValidatedEvent> out) {
        ValidatedEvent event;
        try {
            event = validator.validate(raw);
        } catch (RejectedEventException e) {
            rejected.inc();
            ctx.output(DEAD_LETTERS, validator.deadLetter(raw, e.reason(), e.getMessage()));
            return;
        }
        valid.inc();
        out.collect(event);
    }
}
