package io.matchstream.preference;

import io.matchstream.events.Match;
import io.matchstream.events.TrainingTriplet;
import io.matchstream.schemas.Topic;
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
import java.util.Locale;
import org.apache.avro.specific.SpecificRecord;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichMapFunction;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.MemorySize;
import org.apache.flink.configuration.StateChangelogOptions;
import org.apache.flink.configuration.StateRecoveryOptions;
import org.apache.flink.core.execution.RecoveryClaimMode;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.state.rocksdb.RocksDBConfigurableOptions;
import org.apache.flink.state.rocksdb.RocksDBOptions;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.function.SerializableFunction;
import org.rocksdb.CompactionStyle;
import org.rocksdb.CompressionType;

/**
 * Swipes, embeddings and deletions in; preference updates, matches, training triplets and tombstones out.
 *
 * <pre>
 * swipes, embeddings, deletions -> decode (dead letters)
 *   -> keyBy(target) -> TargetEnrichment (the target's embedding onto each swipe)
 *   -> keyBy(swiper) -> PreferenceFunction -> preference updates, training triplets, preference tombstones
 * swipes + pair purges (deletions) -> keyBy(unordered pair) -> MatchDetector -> matches, match tombstones
 * </pre>
 *
 * Matches, triplets and dead letters go through the exactly-once sink. Preference updates are versioned
 * upserts of a compacted topic: by default they go out at once, at least once (a restart may repeat the
 * same version with the same vector), so a swipe moves the user's vector without waiting for a checkpoint.
 */
public class PreferenceJob {
    private final PreferenceConfig config;
    private final Source<RawEvent, ?, ?> source;
    private final Sink<Outgoing> sink;
    private final Sink<Outgoing> updateSink;
    private final RegistryConnector registry;

    /** {@code updateSink} takes preference updates; null sends them through {@code sink} with the rest. */
    public PreferenceJob(PreferenceConfig config, Source<RawEvent, ?, ?> source, Sink<Outgoing> sink, Sink<Outgoing> updateSink,
            RegistryConnector registry) {
        this.config = config;
        this.source = source;
        this.sink = sink;
        this.updateSink = updateSink;
        this.registry = registry;
    }

    public static PreferenceJob onKafka(PreferenceConfig config) {
        return new PreferenceJob(config,
                KafkaIo.rawSource(config.bootstrapServers(), config.groupId(), DecodeSignals.TOPICS),
                KafkaIo.exactlyOnceSink(config.bootstrapServers(), config.groupId(), Duration.ofMinutes(10), "lz4"),
                config.exactlyOnceUpdates() ? null : KafkaIo.atLeastOnceSink(config.bootstrapServers(), config.updateCompression()),
                RegistryConnector.http(config.registryUrl()));
    }

    public static void main(String[] args) throws Exception {
        PreferenceConfig config = PreferenceConfig.fromArgs(args);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(configuration(config, null, new Configuration()));
        onKafka(config).build(env);
        env.execute(PreferenceConfig.JOB_NAME);
    }

    public void build(StreamExecutionEnvironment env) {
        // Records are not changed after they are emitted, and operators copy what they keep: no defensive
        // copies between chained operators.
        env.getConfig().enableObjectReuse();
        // A swipe crosses two keyed exchanges; Flink's default 100 ms buffer timeout would add up to 200 ms.
        env.setBufferTimeout(config.bufferTimeout().toMillis());
        TypeInformation<Signal> signalType = SignalSerializer.TYPE;
        SingleOutputStreamOperator<Signal> signals = env
                .fromSource(source, WatermarkStrategy.noWatermarks(), "swipes, embeddings, deletions").uid("swipes")
                .process(new DecodeSignals(registry), signalType).name("decode").uid("decode");
        SingleOutputStreamOperator<Signal> enriched = signals.keyBy(Signal::subject)
                .process(new TargetEnrichment(config.enrichmentWait(), config.preference().stateTtl(),
                        config.preference().passWeight() > 0), signalType)
                .name("target embeddings").uid("enrich-v2");
        SingleOutputStreamOperator<PreferenceVector> updates = enriched.keyBy(s -> s.user)
                .process(new PreferenceFunction(config.preference()), TypeInformation.of(PreferenceVector.class))
                .name("preferences").uid("preferences-v2");
        SingleOutputStreamOperator<Match> matches = signals.filter(s -> s.kind == Signal.Kind.SWIPE).name("swipes").uid("swipes-only")
                .union(enriched.getSideOutput(TargetEnrichment.PAIR_PURGES), updates.getSideOutput(PreferenceFunction.PAIR_PURGES))
                .keyBy(Signal::pair)
                .process(new MatchDetector(config.pairTtl()), TypeInformation.of(Match.class)).name("mutual likes").uid("matches");

        DataStream<Outgoing> committed = matches
                .map(new Encode<>(registry, Topics.MATCHES, Match::getMatchId), TypeInformation.of(Outgoing.class)).name("encode matches").uid("encode-matches")
                .union(tombstones(matches.getSideOutput(MatchDetector.TOMBSTONES), Topics.MATCHES, "match-tombstones"),
                        updates.getSideOutput(PreferenceFunction.TRIPLETS)
                                .map(new Encode<>(registry, Topics.TRAINING_TRIPLETS, TrainingTriplet::getAnchorUserId), TypeInformation.of(Outgoing.class))
                                .name("encode triplets").uid("encode-triplets"),
                        signals.getSideOutput(DecodeSignals.DEAD_LETTERS));
        // Updates and tombstones in one stream: the encoder and the sink chain onto the preference
        // operator, so a 4 KiB update is not serialized across a local exchange once more.
        DataStream<Outgoing> preferences = updates
                .map(new PreferenceUpdateEncoder(registry), TypeInformation.of(Outgoing.class))
                .name("encode updates").uid("encode-updates");
        if (updateSink == null) {
            committed.union(preferences).sinkTo(sink).name("all outputs").uid("sink");
        } else {
            committed.sinkTo(sink).name("matches, triplets, dead letters").uid("sink");
            preferences.sinkTo(updateSink).name("preference updates").uid("update-sink");
        }
    }

    private static DataStream<Outgoing> tombstones(DataStream<String> keys, Topic<String, ?> topic, String uid) {
        String name = topic.name();
        return keys.map(key -> new Outgoing(name, key.getBytes(StandardCharsets.UTF_8), null), TypeInformation.of(Outgoing.class))
                .name(uid).uid(uid);
    }

    /** The shared job settings, and RocksDB options for state that is mostly float vectors. */
    static Configuration configuration(PreferenceConfig config, String restoreFrom, Configuration base) {
        Configuration conf = JobEnvironment.configuration(config.jobSettings(), restoreFrom, base);
        // Embeddings do not compress: Snappy (RocksDB's default) only costs CPU at every flush, compaction and read.
        conf.set(RocksDBConfigurableOptions.COMPRESSION_PER_LEVEL, List.of(CompressionType.NO_COMPRESSION));
        conf.set(RocksDBConfigurableOptions.COMPACTION_STYLE, CompactionStyle.valueOf(config.rocksdbCompaction().toUpperCase(Locale.ROOT)));
        if (!config.rocksdbMemoryPerSlot().equals("managed")) {
            // Block cache and write buffers of this size per slot, instead of the slot's share of managed memory.
            conf.set(RocksDBOptions.FIX_PER_SLOT_MEMORY_SIZE, MemorySize.parse(config.rocksdbMemoryPerSlot()));
        }
        // Changelog state backend (FLIP-158): a checkpoint uploads the state changes since the last one instead of
        // flushing RocksDB's memtables and uploading new SST files; RocksDB is snapshotted ("materialized") in the
        // background every few minutes, after which the log before it is dropped. The log's storage is the task
        // manager's setting (state.changelog.storage: filesystem, dstl.dfs.base-path), not the job's.
        conf.set(StateChangelogOptions.ENABLE_STATE_CHANGE_LOG, config.stateChangelog());
        conf.set(StateChangelogOptions.PERIODIC_MATERIALIZATION_INTERVAL, config.changelogMaterializeInterval());
        if (config.stateChangelog() && restoreFrom != null) {
            // The changelog backend cannot take the full first snapshot that NO_CLAIM (the default) needs after a
            // restore: the restored job owns the checkpoint it starts from instead, as a restarted job would.
            conf.set(StateRecoveryOptions.RESTORE_MODE, RecoveryClaimMode.CLAIM);
        }
        return conf;
    }

    public JobClient start(Configuration clientConfiguration, String restoreFrom) throws Exception {
        StreamExecutionEnvironment env = new StreamExecutionEnvironment(configuration(config, restoreFrom, clientConfiguration));
        build(env);
        return env.executeAsync(PreferenceConfig.JOB_NAME);
    }

    /** A record to its topic in the registry's wire format, keyed by {@code key}. */
    static final class Encode<T extends SpecificRecord> extends RichMapFunction<T, Outgoing> {
        private final RegistryAvroSerializationSchema<T> schema;
        private final String topic;
        private final SerializableFunction<T, CharSequence> key;

        Encode(RegistryConnector registry, Topic<String, T> topic, SerializableFunction<T, CharSequence> key) {
            this.schema = new RegistryAvroSerializationSchema<>(registry, topic);
            this.topic = topic.name();
            this.key = key;
        }

        @Override
        public void open(OpenContext context) {
            schema.open(null);
        }

        @Override
        public Outgoing map(T record) {
            return new Outgoing(topic, key.apply(record).toString().getBytes(StandardCharsets.UTF_8), schema.serialize(record));
        }
    }
}
