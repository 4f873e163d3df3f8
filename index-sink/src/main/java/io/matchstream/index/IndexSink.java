package io.matchstream.index;

import io.matchstream.events.Match;
import io.matchstream.events.PreferenceUpdate;
import io.matchstream.events.ProfileAttributes;
import io.matchstream.events.ProfileDeletion;
import io.matchstream.events.ProfileEmbedding;
import io.matchstream.events.Swipe;
import io.matchstream.index.vector.VectorIndexException;
import io.matchstream.schemas.Topic;
import io.matchstream.schemas.Topics;
import io.matchstream.schemas.wire.AvroDeserializer;
import io.matchstream.schemas.wire.RegistryException;
import io.matchstream.schemas.wire.SchemaRegistry;
import io.matchstream.schemas.wire.WireFormatException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListSet;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.consumer.RangeAssignor;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Kafka -> shard. One consumer in the instances' group reads the user-keyed topics (attributes, embeddings,
 * preference updates, swipes keyed by swiper, deletions); all have the same partition count and are keyed
 * by user id, and the range assignor hands every instance the same partition numbers of each, so a user's
 * records all reach the instance that owns the user. Matches are keyed by match id, so a second consumer
 * outside the group reads every partition of {@code matches} on every instance (both users of a pair may
 * ask). Positions come from the snapshot, never from the group's committed offsets (those are committed
 * after each snapshot for monitoring only), so state and offsets always agree.
 *
 * <p>A record that does not decode, or that the shard refuses, is logged, counted and skipped; an
 * unreachable registry is transient and the record is read again.
 */
public final class IndexSink implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(IndexSink.class);
    static final List<Topic<String, ? extends SpecificRecord>> USER_TOPICS = List.of(
            Topics.PROFILE_ATTRIBUTES, Topics.PROFILE_EMBEDDINGS, Topics.PREFERENCE_UPDATES, Topics.SWIPES, Topics.PROFILE_DELETIONS);

    private final IndexServiceConfig config;
    private final Shard shard;
    private final Snapshots snapshots;
    private final Metrics metrics;
    private final Map<String, AvroDeserializer<? extends SpecificRecord>> deserializers = new HashMap<>();
    private final Map<TopicPartition, Long> positions = new ConcurrentHashMap<>();
    private final Set<Integer> owned = new ConcurrentSkipListSet<>();
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final KafkaConsumer<byte[], byte[]> matchesConsumer;
    private final Thread thread;
    private volatile boolean running = true;
    private volatile boolean caughtUp;
    private volatile long lag = -1;
    private volatile long lastSnapshotMillis;
    private Map<TopicPartition, Long> lastSnapshotPositions;
    private volatile Throwable failure;

    public IndexSink(IndexServiceConfig config, Shard shard, Snapshots snapshots, Map<TopicPartition, Long> restored,
            long restoredAtMillis, SchemaRegistry registry, Metrics metrics) {
        this.config = config;
        this.shard = shard;
        this.snapshots = snapshots;
        this.metrics = metrics;
        this.positions.putAll(restored);
        this.lastSnapshotPositions = restoredAtMillis > 0 ? Map.copyOf(restored) : null;
        this.lastSnapshotMillis = restoredAtMillis;
        for (Topic<String, ? extends SpecificRecord> t : USER_TOPICS) {
            deserializers.put(t.name(), t.valueDeserializer(registry));
        }
        deserializers.put(Topics.MATCHES.name(), Topics.MATCHES.valueDeserializer(registry));
        shard.ownPartitions(owned::contains);
        consumer = new KafkaConsumer<>(consumerProperties(true), new ByteArrayDeserializer(), new ByteArrayDeserializer());
        matchesConsumer = new KafkaConsumer<>(consumerProperties(false), new ByteArrayDeserializer(), new ByteArrayDeserializer());
        thread = new Thread(this::run, "index-sink");
        thread.setDaemon(true);
    }

    private Properties consumerProperties(boolean inGroup) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers());
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "1000");
        if (inGroup) {
            p.put(ConsumerConfig.GROUP_ID_CONFIG, config.groupId());
            p.put(ConsumerConfig.GROUP_PROTOCOL_CONFIG, "classic");
            // Range: partition i of every user-keyed topic goes to the same instance (co-partitioning).
            p.put(ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG, RangeAssignor.class.getName());
            // Static membership: an instance restarted after a crash takes its partitions back at once.
            p.put(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG, config.instanceId());
            p.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, "10000");
            p.put(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, "1000");
            p.put(ConsumerConfig.CLIENT_ID_CONFIG, "index-sink-" + config.instanceId());
        } else {
            p.put(ConsumerConfig.CLIENT_ID_CONFIG, "index-sink-matches-" + config.instanceId());
        }
        return p;
    }

    public IndexSink start() {
        consumer.subscribe(USER_TOPICS.stream().map(Topic::name).toList(), new ConsumerRebalanceListener() {
            @Override
            public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
                for (TopicPartition tp : partitions) {
                    if (tp.topic().equals(Topics.PROFILE_ATTRIBUTES.name())) {
                        owned.remove(tp.partition());
                    }
                }
            }

            @Override
            public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
                for (TopicPartition tp : partitions) {
                    seek(consumer, tp);
                    if (tp.topic().equals(Topics.PROFILE_ATTRIBUTES.name())) {
                        owned.add(tp.partition());
                    }
                }
                LOG.info("instance {} owns profile partitions {}", config.instanceId(), owned);
            }
        });
        thread.start();
        return this;
    }

    private void seek(KafkaConsumer<byte[], byte[]> c, TopicPartition tp) {
        Long position = positions.get(tp);
        if (position == null) {
            c.seekToBeginning(List.of(tp));
        } else {
            c.seek(tp, position);
        }
    }

    private void run() {
        try {
            while (running) {
                ensureMatchesAssigned();
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(100))) {
                    if (!handle(consumer, r)) {
                        break;
                    }
                }
                if (!matchesConsumer.assignment().isEmpty()) {
                    for (ConsumerRecord<byte[], byte[]> r : matchesConsumer.poll(Duration.ofMillis(10))) {
                        if (!handle(matchesConsumer, r)) {
                            break;
                        }
                    }
                }
                updateLag();
                if (System.currentTimeMillis() - lastSnapshotMillis >= config.snapshotInterval().toMillis()) {
                    snapshot();
                }
            }
            snapshot();
        } catch (WakeupException e) {
            if (running) {
                failure = e;
            }
        } catch (Throwable t) {
            failure = t;
            LOG.error("index sink stopped", t);
        } finally {
            consumer.close(Duration.ofSeconds(2));
            matchesConsumer.close(Duration.ofSeconds(2));
        }
    }

    private void ensureMatchesAssigned() {
        if (!matchesConsumer.assignment().isEmpty()) {
            return;
        }
        var infos = matchesConsumer.partitionsFor(Topics.MATCHES.name(), Duration.ofSeconds(5));
        if (infos == null || infos.isEmpty()) {
            return; // the topic does not exist yet
        }
        List<TopicPartition> all = infos.stream().map(i -> new TopicPartition(i.topic(), i.partition())).toList();
        matchesConsumer.assign(all);
        all.forEach(tp -> seek(matchesConsumer, tp));
    }

    /** Applies one record; false when the registry was unreachable and the partition must be read again. */
    private boolean handle(KafkaConsumer<byte[], byte[]> source, ConsumerRecord<byte[], byte[]> r) {
        TopicPartition tp = new TopicPartition(r.topic(), r.partition());
        String topicLabel = "topic=\"" + r.topic() + "\"";
        try {
            apply(r);
            metrics.increment("matchstream_index_sink_records_total", "Records the index sink applied.", topicLabel);
        } catch (RegistryException e) {
            LOG.warn("schema registry unreachable ({}); reading {} at {} again", e.getMessage(), tp, r.offset());
            source.seek(tp, r.offset());
            sleep();
            return false;
        } catch (WireFormatException e) {
            metrics.increment("matchstream_index_sink_undecodable_total", "Records skipped because they do not decode.",
                    topicLabel + ",reason=\"" + e.reason().name().toLowerCase() + "\"");
            LOG.warn("skipping undecodable record {}@{}: {}", tp, r.offset(), e.getMessage());
        } catch (RefusedRecord e) {
            refused(tp, r.offset(), topicLabel, e.reason(), e.getMessage());
        } catch (VectorIndexException e) {
            // The index refused this vector (a Faiss error surfaces here, never as a crash): count it, go on.
            refused(tp, r.offset(), topicLabel, "index_error", e.getMessage());
        } catch (NullPointerException | ClassCastException | IllegalArgumentException | IndexOutOfBoundsException
                | ArithmeticException e) {
            // A decodable record with content nothing above expected; failures of the store itself
            // (IllegalStateException, UncheckedIOException) are not caught: skipping them would lose data.
            refused(tp, r.offset(), topicLabel, "invalid_record", e.toString());
        }
        positions.put(tp, r.offset() + 1);
        return true;
    }

    private void refused(TopicPartition tp, long offset, String topicLabel, String reason, String message) {
        metrics.increment("matchstream_index_sink_refused_total", "Records skipped because the index cannot use them.",
                topicLabel + ",reason=\"" + reason + "\"");
        LOG.warn("skipping record {}@{}: {}", tp, offset, message);
    }

    private void apply(ConsumerRecord<byte[], byte[]> r) {
        String key = r.key() == null ? null : new String(r.key(), StandardCharsets.UTF_8);
        SpecificRecord value = deserializers.get(r.topic()).deserialize(r.topic(), r.value());
        String topic = r.topic();
        if (topic.equals(Topics.PROFILE_ATTRIBUTES.name())) {
            ProfileAttributes a = (ProfileAttributes) value;
            String user = a == null ? key : a.getUserId();
            requireUser(user, key);
            shard.applyAttributes(user, a, r.partition(), r.timestamp());
        } else if (value == null) {
            throw new RefusedRecord("null_value", "a tombstone on " + topic + ", which is not compacted by user");
        } else if (topic.equals(Topics.PROFILE_EMBEDDINGS.name())) {
            ProfileEmbedding e = (ProfileEmbedding) value;
            requireUser(e.getUserId(), key);
            shard.applyEmbedding(e);
        } else if (topic.equals(Topics.PREFERENCE_UPDATES.name())) {
            PreferenceUpdate u = (PreferenceUpdate) value;
            requireUser(u.getUserId(), key);
            shard.applyPreference(u);
        } else if (topic.equals(Topics.SWIPES.name())) {
            Swipe s = (Swipe) value;
            requireUser(s.getSwiperId(), key);
            shard.applySwipe(s);
        } else if (topic.equals(Topics.PROFILE_DELETIONS.name())) {
            ProfileDeletion d = (ProfileDeletion) value;
            requireUser(d.getUserId(), key);
            shard.applyDeletion(d.getUserId(), d.getTimestamp().toEpochMilli());
        } else if (topic.equals(Topics.MATCHES.name())) {
            shard.applyMatch((Match) value);
        }
    }

    /**
     * A record whose key is not its user would land on the wrong instance (co-partitioning is by key).
     * Keyless records are accepted: one instance reads the whole topic when it runs alone.
     */
    private static void requireUser(String user, String key) {
        if (user == null || user.isEmpty() || user.indexOf('\0') >= 0) {
            throw new RefusedRecord("bad_user_id", "record without a usable user id");
        }
        if (key != null && !key.equals(user)) {
            throw new RefusedRecord("key_mismatch", "record of user " + user + " keyed " + key);
        }
    }

    private void updateLag() {
        long total = 0;
        boolean known = true;
        Set<TopicPartition> assigned = new HashSet<>(consumer.assignment());
        for (TopicPartition tp : assigned) {
            OptionalLong l = consumer.currentLag(tp);
            known &= l.isPresent();
            total += l.orElse(0);
        }
        for (TopicPartition tp : matchesConsumer.assignment()) {
            OptionalLong l = matchesConsumer.currentLag(tp);
            known &= l.isPresent();
            total += l.orElse(0);
        }
        lag = known ? total : -1;
        if (known && total == 0 && !assigned.isEmpty() && !matchesConsumer.assignment().isEmpty()) {
            caughtUp = true;
        }
    }

    private void snapshot() {
        long now = System.currentTimeMillis();
        Map<TopicPartition, Long> at = new HashMap<>(positions);
        if (at.isEmpty() || at.equals(lastSnapshotPositions)) {
            lastSnapshotMillis = now; // nothing read since: the newest snapshot is still the whole state
            return;
        }
        snapshots.write(shard, at, now);
        lastSnapshotPositions = at;
        lastSnapshotMillis = now;
        Map<TopicPartition, OffsetAndMetadata> commits = new HashMap<>();
        for (TopicPartition tp : consumer.assignment()) {
            Long p = at.get(tp);
            if (p != null) {
                commits.put(tp, new OffsetAndMetadata(p));
            }
        }
        if (!commits.isEmpty()) {
            consumer.commitAsync(commits, (offsets, e) -> {
                if (e != null) {
                    LOG.debug("offset commit (monitoring only) failed: {}", e.toString());
                }
            });
        }
    }

    private static void sleep() {
        try {
            Thread.sleep(500);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    // ---- what the query service and the metrics read ----

    /** True once the sink has read every partition it owns to the end at least once since it started. */
    public boolean caughtUp() {
        return caughtUp && failure == null;
    }

    public boolean healthy() {
        return failure == null && thread.isAlive();
    }

    /** Records not yet applied across the owned partitions and matches, or -1 while unknown. */
    public long lag() {
        return lag;
    }

    public long lastSnapshotMillis() {
        return lastSnapshotMillis;
    }

    public Set<Integer> ownedPartitions() {
        return Set.copyOf(owned);
    }

    /** The next offset to read of every partition this instance has read, as "topic/partition". */
    public Map<String, Long> positions() {
        Map<String, Long> out = new TreeMap<>();
        positions.forEach((tp, p) -> out.put(tp.topic() + "/" + tp.partition(), p));
        return out;
    }

    @Override
    public void close() {
        running = false;
        try {
            thread.join(30_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
