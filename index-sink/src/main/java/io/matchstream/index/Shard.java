package io.matchstream.index;

import io.matchstream.events.Match;
import io.matchstream.events.PreferenceUpdate;
import io.matchstream.events.ProfileAttributes;
import io.matchstream.events.ProfileEmbedding;
import io.matchstream.events.Swipe;
import io.matchstream.events.SwipeAction;
import io.matchstream.index.store.AttributeStore;
import io.matchstream.index.store.StoredVectors;
import io.matchstream.index.vector.VectorIndex;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.IntPredicate;

/**
 * The profiles of the Kafka partitions one instance owns: the attribute store and one vector index per
 * model version (a query searches only the index of the user's own model version, so versions never mix).
 * The sink thread writes through the {@code apply*} methods; queries read concurrently under a read lock.
 */
public final class Shard implements AutoCloseable {
    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    private final AttributeStore store;
    private final IndexFactory factory;
    private final RerankWeights weights;
    private final Map<String, VectorIndex> indexes = new TreeMap<>();
    private volatile IntPredicate ownedPartition = p -> true;

    public Shard(AttributeStore store, Map<String, VectorIndex> indexes, IndexFactory factory, RerankWeights weights) {
        this.store = store;
        this.indexes.putAll(indexes);
        this.factory = factory;
        this.weights = weights;
    }

    /** Which profile partitions this instance serves now (the consumer group's assignment). */
    public void ownPartitions(IntPredicate owned) {
        this.ownedPartition = owned;
    }

    // ---- writes (sink thread) ----

    /** A profile's latest attributes; {@code attributes == null} is the compacted topic's tombstone. */
    public void applyAttributes(String userId, ProfileAttributes attributes, int partition, long recordTimestamp) {
        write(() -> {
            if (attributes == null) {
                delete(userId, recordTimestamp);
                return;
            }
            long updated = attributes.getUpdatedAt().toEpochMilli();
            if (isStale(userId, updated)) {
                return; // written before the deletion, read after it
            }
            store.putProfile(attributes, partition);
            store.touch(userId, updated);
        });
    }

    public void applyEmbedding(ProfileEmbedding embedding) {
        float[] vector = Vectors.normalised(embedding.getVector());
        if (vector == null) {
            throw new RefusedRecord("bad_vector", "embedding of " + embedding.getUserId() + " is empty, zero or not finite");
        }
        write(() -> {
            String user = embedding.getUserId();
            long at = embedding.getTimestamp().toEpochMilli();
            if (isStale(user, at)) {
                return;
            }
            String version = embedding.getModelVersion();
            VectorIndex index = indexes.get(version);
            if (index != null && index.dimension() != vector.length) {
                throw new RefusedRecord("wrong_dimension", "embedding of " + user + " has " + vector.length
                        + " dimensions, model version " + version + " has " + index.dimension());
            }
            if (index == null) {
                index = factory.create(vector.length);
                indexes.put(version, index);
            }
            long id = store.denseId(user);
            StoredVectors previous = store.embedding(user);
            if (previous != null && !previous.modelVersion().equals(version)) {
                VectorIndex old = indexes.get(previous.modelVersion());
                if (old != null) {
                    old.remove(id);
                }
            }
            index.upsert(id, vector);
            store.putEmbedding(user, new StoredVectors(version, 0, at, vector, null));
            store.touch(user, at);
        });
    }

    public void applyPreference(PreferenceUpdate update) {
        float[] blended = Vectors.normalised(update.getBlended());
        if (blended == null) {
            throw new RefusedRecord("bad_vector", "blended vector of " + update.getUserId() + " is empty, zero or not finite");
        }
        // A preference vector that cannot be normalised (none yet, or all zero) counts as none.
        float[] preference = update.getPreference() == null ? null : Vectors.normalised(update.getPreference());
        write(() -> {
            String user = update.getUserId();
            long at = update.getTimestamp().toEpochMilli();
            if (isStale(user, at)) {
                return;
            }
            StoredVectors previous = store.preference(user);
            if (previous != null && previous.version() >= update.getVersion()) {
                return;
            }
            store.putPreference(user, new StoredVectors(update.getModelVersion(), update.getVersion(), at, blended, preference));
            store.touch(user, at);
        });
    }

    public void applySwipe(Swipe swipe) {
        write(() -> {
            long at = swipe.getTimestamp().toEpochMilli();
            if (isStale(swipe.getSwiperId(), at)) {
                return;
            }
            store.putSwipe(swipe.getSwiperId(), swipe.getTargetId(), swipe.getAction() == SwipeAction.BLOCK, at);
            store.touch(swipe.getSwiperId(), at);
        });
    }

    public void applyMatch(Match match) {
        write(() -> store.putMatch(match.getUserA(), match.getUserB()));
    }

    public void applyDeletion(String userId, long atMillis) {
        write(() -> delete(userId, atMillis));
    }

    /**
     * Removes what the user published up to {@code atMillis}; records stamped later survive, and records
     * stamped earlier that arrive later are ignored ({@link #isStale}). Both rules together make the state
     * independent of how the deletion and the user's other topics interleave, which the crash test's
     * comparison with an uninterrupted twin relies on. (Records of one user within one topic are assumed to
     * carry non-decreasing timestamps.)
     */
    private void delete(String userId, long atMillis) {
        long at = Math.max(atMillis, store.deletedAt(userId));
        StoredVectors embedding = store.embedding(userId);
        if (embedding != null && embedding.timestamp() <= at) {
            VectorIndex index = indexes.get(embedding.modelVersion());
            if (index != null) {
                index.remove(store.denseId(userId));
            }
        }
        store.forget(userId, at);
        store.markDeleted(userId, at);
    }

    /** Written before the user's deletion (and read after it, the topics being independent). */
    private boolean isStale(String userId, long atMillis) {
        long deletedAt = store.deletedAt(userId);
        return deletedAt >= 0 && atMillis <= deletedAt;
    }

    private void write(Runnable change) {
        lock.writeLock().lock();
        try {
            change.run();
        } finally {
            lock.writeLock().unlock();
        }
    }

    // ---- reads (query threads) ----

    /**
     * The user's query as the shard that owns them builds it, or empty when this shard does not own the user
     * or the user has no profile or embedding yet. The query vector is the blended preference vector when one
     * exists for the user's current model version, the base embedding otherwise.
     */
    public Optional<RecommendationQuery> queryFor(String userId, int k, long asOfMillis) {
        lock.readLock().lock();
        try {
            int partition = store.partitionOf(userId);
            if (partition < 0 || !ownedPartition.test(partition)) {
                return Optional.empty();
            }
            ProfileAttributes profile = store.profile(userId);
            StoredVectors embedding = store.embedding(userId);
            if (profile == null || embedding == null) {
                return Optional.empty();
            }
            float[] base = embedding.primary();
            StoredVectors preference = store.preference(userId);
            float[] query = preference != null && preference.modelVersion().equals(embedding.modelVersion())
                    && preference.primary().length == base.length ? preference.primary() : base;
            Set<String> excluded = new LinkedHashSet<>();
            excluded.add(userId);
            excluded.addAll(store.swipedBy(userId));
            excluded.addAll(store.matchesOf(userId));
            return Optional.of(new RecommendationQuery(userId, embedding.modelVersion(), query, base,
                    profile.getGender().ordinal(), AttributeStore.seekingMask(profile.getSeeking()), profile.getAge(),
                    profile.getMinAge(), profile.getMaxAge(), profile.getLat(), profile.getLon(), profile.getMaxDistanceKm(),
                    List.copyOf(excluded), k, asOfMillis));
        } finally {
            lock.readLock().unlock();
        }
    }

    /**
     * This shard's best {@code q.k()} candidates for the query: profiles of owned partitions that pass both
     * sides' filters, minus the query's exclusions and minus candidates here who blocked the user. Holds
     * {@code q.k()} candidates whenever that many qualify (the exclusions are in the filter, not applied after).
     */
    public List<Candidate> search(RecommendationQuery q) {
        lock.readLock().lock();
        try {
            VectorIndex index = indexes.get(q.modelVersion());
            if (index == null || q.k() <= 0) {
                return List.of();
            }
            VectorIndex.IdFilter admitted = store.admitted(q, ownedPartition, excludedIds(q));
            if (admitted.admittedCount() == 0) {
                return List.of();
            }
            VectorIndex.Hits hits = index.search(q.queryVector(), q.k(), admitted);
            List<String> users = new ArrayList<>(hits.size());
            for (int i = 0; i < hits.size(); i++) {
                users.add(store.userId(hits.ids()[i]));
            }
            // The candidates' embeddings from the index of the query's model version (the vectors it just scored),
            // their preference vectors from the store's memory.
            float[][] embeddings = index.vectors(hits.ids());
            float[][] preferences = store.preferenceVectors(hits.ids(), hits.size(), q.modelVersion());
            List<Candidate> out = new ArrayList<>(hits.size());
            for (int i = 0; i < hits.size(); i++) {
                float[] embedding = embeddings[i];
                if (embedding == null) {
                    continue; // cannot happen while the search and this read share the read lock
                }
                float[] preference = preferences[i];
                float reciprocal = preference == null ? 0 : (float) Vectors.dot(preference, q.embedding());
                out.add(new Candidate(users.get(i), hits.scores()[i], reciprocal,
                        weights.recencyScore(store.lastActive(hits.ids()[i]), q.asOfMillis()), embedding));
            }
            return out;
        } finally {
            lock.readLock().unlock();
        }
    }

    /** The filter {@link #search} hands the index for {@code q} (the benchmark times the plans with it). */
    VectorIndex.IdFilter admittedFilter(RecommendationQuery q) {
        return admittedFilter(q, false);
    }

    /** {@link #admittedFilter(RecommendationQuery)}, with the radius applied to every candidate when {@code exact}. */
    VectorIndex.IdFilter admittedFilter(RecommendationQuery q, boolean exact) {
        lock.readLock().lock();
        try {
            return store.admitted(q, ownedPartition, excludedIds(q), exact);
        } finally {
            lock.readLock().unlock();
        }
    }

    /** Candidates the query admits here, exactly (the count the index search is planned with). */
    public long admittedCount(RecommendationQuery q) {
        lock.readLock().lock();
        try {
            return store.admitted(q, ownedPartition, excludedIds(q), true).admittedCount();
        } finally {
            lock.readLock().unlock();
        }
    }

    /** The query's exclusions plus this shard's candidates who blocked the user, as dense ids. */
    private Set<Long> excludedIds(RecommendationQuery q) {
        Set<Long> excluded = new HashSet<>();
        for (String user : q.excluded()) {
            Long id = store.existingDenseId(user);
            if (id != null) {
                excluded.add(id);
            }
        }
        for (String blocker : store.blockersOf(q.userId())) {
            Long id = store.existingDenseId(blocker);
            if (id != null) {
                excluded.add(id);
            }
        }
        Long self = store.existingDenseId(q.userId());
        if (self != null) {
            excluded.add(self);
        }
        return excluded;
    }

    /** Upper-bound estimate of the profiles the query's filters admit here (for a planner and the metrics). */
    public long estimateAdmitted(RecommendationQuery q) {
        lock.readLock().lock();
        try {
            return store.estimateAdmitted(q);
        } finally {
            lock.readLock().unlock();
        }
    }

    /** Vectors per model version. */
    public Map<String, Long> indexSizes() {
        lock.readLock().lock();
        try {
            Map<String, Long> sizes = new TreeMap<>();
            indexes.forEach((version, index) -> sizes.put(version, index.size()));
            return sizes;
        } finally {
            lock.readLock().unlock();
        }
    }

    public long profileCount() {
        lock.readLock().lock();
        try {
            return store.profileCount();
        } finally {
            lock.readLock().unlock();
        }
    }

    // ---- snapshots ----

    /** Where a snapshot holds the index of one model version, relative to the snapshot directory. */
    public record IndexFile(String file, int dimension) {}

    /**
     * Writes the attribute store (a RocksDB checkpoint) and every index into {@code dir}; returns the index
     * file of each model version. Call from the sink thread, between records.
     */
    public Map<String, IndexFile> writeTo(Path dir) {
        lock.readLock().lock();
        try {
            store.checkpoint(dir.resolve("rocksdb"));
            Map<String, IndexFile> files = new TreeMap<>();
            int n = 0;
            for (Map.Entry<String, VectorIndex> e : indexes.entrySet()) {
                String file = "index-" + (n++) + ".bin";
                e.getValue().save(dir.resolve(file));
                files.put(e.getKey(), new IndexFile(file, e.getValue().dimension()));
            }
            return files;
        } finally {
            lock.readLock().unlock();
        }
    }

    @Override
    public void close() {
        lock.writeLock().lock();
        try {
            indexes.values().forEach(VectorIndex::close);
            indexes.clear();
            store.close();
        } finally {
            lock.writeLock().unlock();
        }
    }
}
