package io.matchstream.registry;

import io.matchstream.registry.LogFormat.ConfigKey;
import io.matchstream.registry.LogFormat.SchemaKey;
import io.matchstream.registry.LogFormat.SchemaValue;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.avro.Schema;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The registry as of the last record the log reader applied. It is only a cache: it changes only through
 * {@link #apply}, called by {@link SchemaLog}'s reader in log order, so every instance that has read the
 * same offsets holds the same state. Every query returns an immutable copy.
 */
final class RegistryState {
    private static final Logger LOG = LoggerFactory.getLogger(RegistryState.class);

    /** One version of a subject, live or soft-deleted. */
    record SchemaVersion(String subject, int version, int id, String schema, boolean deleted) {}

    /** A schema by its global id: its canonical JSON (Avro's {@code Schema.toString()}) and the parsed form. */
    record StoredSchema(int id, String canonical, Schema schema) {}

    private final Map<String, TreeMap<Integer, SchemaVersion>> subjects = new HashMap<>();
    private final Map<Integer, StoredSchema> schemasById = new HashMap<>();
    private final Map<String, Integer> idsByCanonical = new HashMap<>();
    private final Map<String, Compatibility> subjectLevels = new HashMap<>();
    private Compatibility globalLevel;
    /** The largest id ever read, also of schemas since deleted for good, so ids are never handed out twice. */
    private int maxId;

    /** Applies one record of the log; {@code value} null is a tombstone. Records we cannot read are skipped. */
    synchronized void apply(String key, String value) {
        try {
            LogFormat.Key decoded = LogFormat.decodeKey(key);
            if (decoded instanceof SchemaKey schemaKey) {
                applySchema(schemaKey, value);
            } else if (decoded instanceof ConfigKey configKey) {
                applyConfig(configKey, value);
            }
        } catch (RuntimeException e) {
            LOG.warn("skipping unreadable record of the schema log, key {}: {}", key, e.toString());
        }
    }

    private void applySchema(SchemaKey key, String value) {
        if (value == null) {
            TreeMap<Integer, SchemaVersion> versions = subjects.get(key.subject());
            SchemaVersion removed = versions == null ? null : versions.remove(key.version());
            if (versions != null && versions.isEmpty()) {
                subjects.remove(key.subject());
            }
            if (removed != null && versionsWithId(removed.id()).isEmpty()) {
                StoredSchema gone = schemasById.remove(removed.id());
                idsByCanonical.remove(gone.canonical(), removed.id());
            }
            return;
        }
        LogFormat.StoredValue stored = LogFormat.decodeSchemaValue(value);
        SchemaValue record = stored.value();
        maxId = Math.max(maxId, record.id()); // ids are global across schema types
        if (!stored.isAvro()) {
            return; // another registry's JSON Schema or Protobuf: not ours to serve
        }
        Schema schema = new Schema.Parser().parse(record.schema());
        String canonical = schema.toString();
        subjects.computeIfAbsent(key.subject(), s -> new TreeMap<>()).put(key.version(),
                new SchemaVersion(key.subject(), key.version(), record.id(), canonical, record.deleted()));
        schemasById.putIfAbsent(record.id(), new StoredSchema(record.id(), canonical, schema));
        idsByCanonical.putIfAbsent(canonical, record.id());
    }

    private void applyConfig(ConfigKey key, String value) {
        Compatibility level = value == null ? null : LogFormat.decodeLevel(value);
        if (key.subject() == null) {
            globalLevel = level;
        } else if (level == null) {
            subjectLevels.remove(key.subject());
        } else {
            subjectLevels.put(key.subject(), level);
        }
    }

    /** Every version of the subject, soft-deleted ones included, oldest first; empty if it has none. */
    synchronized List<SchemaVersion> versions(String subject) {
        TreeMap<Integer, SchemaVersion> versions = subjects.get(subject);
        return versions == null ? List.of() : List.copyOf(versions.values());
    }

    /** Subjects with at least one version, live or soft-deleted, sorted. */
    synchronized List<String> subjects() {
        return List.copyOf(new TreeSet<>(subjects.keySet()));
    }

    synchronized Optional<StoredSchema> schema(int id) {
        return Optional.ofNullable(schemasById.get(id));
    }

    /** The global id of a schema with this canonical JSON under any subject. */
    synchronized OptionalInt idOf(String canonical) {
        Integer id = idsByCanonical.get(canonical);
        return id == null ? OptionalInt.empty() : OptionalInt.of(id);
    }

    /** Every (subject, version) holding the schema with this id, soft-deleted ones included. */
    synchronized List<SchemaVersion> versionsWithId(int id) {
        List<SchemaVersion> found = new ArrayList<>();
        for (String subject : new TreeSet<>(subjects.keySet())) {
            for (SchemaVersion version : subjects.get(subject).values()) {
                if (version.id() == id) {
                    found.add(version);
                }
            }
        }
        return found;
    }

    synchronized int nextId() {
        return maxId + 1;
    }

    synchronized Optional<Compatibility> globalLevel() {
        return Optional.ofNullable(globalLevel);
    }

    synchronized Optional<Compatibility> subjectLevel(String subject) {
        return Optional.ofNullable(subjectLevels.get(subject));
    }

    /** The level that governs the subject: its own, else the global one, else {@link Compatibility#DEFAULT}. */
    synchronized Compatibility effectiveLevel(String subject) {
        Compatibility own = subjectLevels.get(subject);
        if (own != null) {
            return own;
        }
        return globalLevel != null ? globalLevel : Compatibility.DEFAULT;
    }
}
