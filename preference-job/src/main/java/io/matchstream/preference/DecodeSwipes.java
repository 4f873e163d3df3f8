package io.matchstream.preference;

import io.matchstream.events.Swipe;
import io.matchstream.schemas.Topics;
import io.matchstream.schemas.flink.DeadLetters;
import io.matchstream.schemas.flink.Outgoing;
import io.matchstream.schemas.flink.RawEvent;
import io.matchstream.schemas.wire.AvroDeserializer;
import io.matchstream.schemas.wire.RegistryConnector;
import io.matchstream.schemas.wire.WireFormatException;
import java.time.Clock;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/** Validated swipes in through the registry; bytes that still do not decode leave as dead letters. */
public class DecodeSwipes extends ProcessFunction<RawEvent, Swipe> {
    public static final OutputTag<Outgoing> DEAD_LETTERS = new OutputTag<>("dead-letters") {};

    private final RegistryConnector registry;
    private transient AvroDeserializer<Swipe> swipes;
    private transient DeadLetters deadLetters;

    public DecodeSwipes(RegistryConnector registry) {
        this.registry = registry;
    }

    @Override
    public void open(OpenContext context) {
        var schemas = registry.connect();
        swipes = Topics.SWIPES.valueDeserializer(schemas);
        deadLetters = new DeadLetters(schemas, PreferenceConfig.JOB_NAME, Clock.systemUTC());
    }

    @Override
    public void processElement(RawEvent raw, Context ctx, Collector<Swipe> out) {
        try {
            out.collect(swipes.deserialize(raw.topic, raw.value));
        } catch (WireFormatException e) {
            ctx.output(DEAD_LETTERS, deadLetters.of(raw, e.reason().code(), e.getMessage()));
        }
    }
}
