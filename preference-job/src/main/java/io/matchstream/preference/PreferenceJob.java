package io.matchstream.preference;

import io.matchstream.events.Match;
import io.matchstream.events.Swipe;
import io.matchstream.schemas.Topics;
import io.matchstream.schemas.flink.JobEnvironment;
import io.matchstream.schemas.flink.KafkaIo;
import io.matchstream.schemas.flink.Outgoing;
import io.matchstream.schemas.flink.RawEvent;
import io.matchstream.schemas.flink.RegistryAvroSerializationSchema;
import io.matchstream.schemas.wire.RegistryConnector;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichMapFunction;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * Validated swipes in; one match per mutual like (and an unmatch when a block cancels one) out, exactly
 * once. Preference vectors and training triplets are the next part of this job.
 *
 * <pre>swipes -> decode (dead letters) -> keyBy(unordered pair) -> MatchDetector -> matches</pre>
 */
public class PreferenceJob {
    private final PreferenceConfig config;
    private final Source<RawEvent, ?, ?> source;
    private final Sink<Outgoing> sink;
    private final RegistryConnector registry;

    public PreferenceJob(PreferenceConfig config, Source<RawEvent, ?, ?> source, Sink<Outgoing> sink, RegistryConnector registry) {
        this.config = config;
        this.source = source;
        this.sink = sink;
        this.registry = registry;
    }

    public static PreferenceJob onKafka(PreferenceConfig config) {
        return new PreferenceJob(config,
                KafkaIo.rawSource(config.bootstrapServers(), config.groupId(), List.of(Topics.SWIPES.name())),
                KafkaIo.exactlyOnceSink(config.bootstrapServers(), config.groupId(), Duration.ofMinutes(10), "lz4"),
                RegistryConnector.http(config.registryUrl()));
    }

    public static void main(String[] args) throws Exception {
        PreferenceConfig config = PreferenceConfig.fromArgs(args);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(
                JobEnvironment.configuration(config.jobSettings(), null));
        onKafka(config).build(env);
        env.execute(PreferenceConfig.JOB_NAME);
    }

    public void build(StreamExecutionEnvironment env) {
        SingleOutputStreamOperator<Swipe> swipes = env
                .fromSource(source, WatermarkStrategy.noWatermarks(), "swipes").uid("swipes")
                .process(new DecodeSwipes(registry), TypeInformation.of(Swipe.class)).name("decode").uid("decode");
        swipes.keyBy(MatchDetector::pairKey)
                .process(new MatchDetector(config.pairTtl()), TypeInformation.of(Match.class)).name("mutual likes").uid("matches")
                .map(new EncodeMatch(registry), TypeInformation.of(Outgoing.class)).name("encode matches").uid("encode-matches")
                .union(swipes.getSideOutput(DecodeSwipes.DEAD_LETTERS))
                .sinkTo(sink).name("matches and dead letters").uid("sink");
    }

    public JobClient start(Configuration clientConfiguration, String restoreFrom) throws Exception {
        StreamExecutionEnvironment env = new StreamExecutionEnvironment(
                JobEnvironment.configuration(config.jobSettings(), restoreFrom, clientConfiguration));
        build(env);
        return env.executeAsync(PreferenceConfig.JOB_NAME);
    }

    /** A match to the compacted matches topic, keyed by its match id. */
    static final class EncodeMatch extends RichMapFunction<Match, Outgoing> implements MapFunction<Match, Outgoing> {
        private final RegistryAvroSerializationSchema<Match> schema;

        EncodeMatch(RegistryConnector registry) {
            this.schema = new RegistryAvroSerializationSchema<>(registry, Topics.MATCHES);
        }

        @Override
        public void open(OpenContext context) {
            schema.open(null);
        }

        @Override
        public Outgoing map(Match match) {
            return new Outgoing(Topics.MATCHES.name(), match.getMatchId().getBytes(StandardCharsets.UTF_8), schema.serialize(match));
        }
    }
}
