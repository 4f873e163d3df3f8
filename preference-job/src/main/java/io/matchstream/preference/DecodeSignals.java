package io.matchstream.preference;

import io.matchstream.events.ProfileDeletion;
import io.matchstream.events.ProfileEmbedding;
import io.matchstream.events.Swipe;
import io.matchstream.schemas.Topics;
import io.matchstream.schemas.flink.DeadLetters;
import io.matchstream.schemas.flink.Outgoing;
import io.matchstream.schemas.flink.RawEvent;
import io.matchstream.schemas.wire.AvroDeserializer;
import io.matchstream.schemas.wire.RegistryConnector;
import io.matchstream.schemas.wire.WireFormatException;
import java.time.Clock;
import java.util.List;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * Swipes, embeddings and deletions in through the registry, as {@link Signal}s; bytes that do not decode
 * leave as dead letters. An embedding tombstone is skipped: the deletion event that caused it does the work.
 */
public class DecodeSignals extends ProcessFunction<RawEvent, Signal> {
    public static final OutputTag<Outgoing> DEAD_LETTERS = new OutputTag<>("dead-letters") {};
    public static final List<String> TOPICS = List.of(
            Topics.SWIPES.name(), Topics.PROFILE_EMBEDDINGS.name(), Topics.PROFILE_DELETIONS.name());

    private final RegistryConnector registry;
    private transient AvroDeserializer<Swipe> swipes;
    private transient AvroDeserializer<ProfileEmbedding> embeddings;
    private transient AvroDeserializer<ProfileDeletion> deletions;
    private transient DeadLetters deadLetters;

    public DecodeSignals(RegistryConnector registry) {
        this.registry = registry;
    }

    @Override
    public void open(OpenContext context) {
        var schemas = registry.connect();
        swipes = Topics.SWIPES.valueDeserializer(schemas);
        embeddings = Topics.PROFILE_EMBEDDINGS.valueDeserializer(schemas);
        deletions = Topics.PROFILE_DELETIONS.valueDeserializer(schemas);
        deadLetters = new DeadLetters(schemas, PreferenceConfig.JOB_NAME, Clock.systemUTC());
    }

    @Override
    public void processElement(RawEvent raw, Context ctx, Collector<Signal> out) {
        try {
            if (raw.topic.equals(Topics.SWIPES.name())) {
                Swipe s = swipes.deserialize(raw.topic, raw.value);
                if (s.getSwiperId().equals(s.getTargetId())) {
                    ctx.output(DEAD_LETTERS, deadLetters.of(raw, "self_swipe", "a user cannot swipe themselves"));
                    return;
                }
                out.collect(Signal.swipe(s.getSwiperId(), s.getTargetId(), s.getAction(), s.getTimestamp().toEpochMilli()));
            } else if (raw.topic.equals(Topics.PROFILE_EMBEDDINGS.name())) {
                if (raw.value == null) {
                    return;
                }
                ProfileEmbedding e = embeddings.deserialize(raw.topic, raw.value);
                float[] vector = new float[e.getVector().size()];
                for (int i = 0; i < vector.length; i++) {
                    vector[i] = e.getVector().get(i);
                }
                out.collect(Signal.embedding(e.getUserId(), vector, e.getModelVersion(), e.getTimestamp().toEpochMilli()));
            } else {
                ProfileDeletion d = deletions.deserialize(raw.topic, raw.value);
                out.collect(Signal.deletion(d.getUserId(), d.getTimestamp().toEpochMilli()));
            }
        } catch (WireFormatException e) {
            ctx.output(DEAD_LETTERS, deadLetters.of(raw, e.reason().code(), e.getMessage()));
        }
    }
}
