package io.matchstream.registry;

import io.matchstream.registry.LogFormat.ConfigKey;
import io.matchstream.registry.LogFormat.SchemaKey;
import io.matchstream.registry.LogFormat.SchemaValue;
import io.matchstream.registry.RegistryState.SchemaVersion;
import io.matchstream.registry.RegistryState.StoredSchema;
import io.matchstream.registry.SchemaLog.Entry;
import io.matchstream.registry.SchemaLog.Write;
import java.util.ArrayList;
import java.util.List;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.TreeMap;
import org.apache.avro.Schema;

/**
 * The operations behind Confluent's REST API. Reads answer from the cache ({@link RegistryState}); every
 * change is planned against the caught-up cache and appended through {@link SchemaLog#write}, so ids and
 * versions are decided by the single writer the log elects. Errors are {@link RegistryError}s with
 * Confluent's codes.
 */
final class Registry {
    /** A schema as a client sent it, parsed; {@code canonical} is Avro's normalised JSON of it. */
    record Candidate(Schema schema, String canonical) {}

    private final SchemaLog log;
    private final RegistryState state;

    Registry(SchemaLog log, RegistryState state) {
        this.log = log;
        this.state = state;
    }

    /**
     * Parses a schema a client sent: Avro only, without references (this registry does not resolve them);
     * anything else is a 422 error_code 42201.
     */
    static Candidate parse(String schema, String schemaType, boolean hasReferences) {
        if (schemaType != null && !schemaType.equals("AVRO")) {
            throw RegistryError.invalidSchema("Schema type " + schemaType + " is not supported; "
                    + "this registry stores AVRO schemas only");
        }
        if (hasReferences) {
            throw RegistryError.invalidSchema("Schema references are not supported by this registry");
        }
        if (schema == null || schema.isBlank()) {
            throw RegistryError.invalidSchema("Empty schema");
        }
        try {
            Schema parsed = new Schema.Parser().parse(schema);
            return new Candidate(parsed, parsed.toString());
        } catch (RuntimeException e) {
            throw RegistryError.invalidSchema("Invalid schema: " + e.getMessage());
        }
    }

    /**
     * Registers the schema under the subject and returns its global id. Registering a schema the subject
     * already holds returns its id without a new version; a schema known under another subject keeps its id.
     */
    int register(String subject, Candidate candidate) {
        Optional<SchemaVersion> known = matching(state.versions(subject), candidate, false);
        if (known.isPresent()) {
            return known.get().id(); // ids never change, so the cache may answer without taking part in a write
        }
        return log.write(now -> {
            List<SchemaVersion> versions = now.versions(subject);
            Optional<SchemaVersion> existing = matching(versions, candidate, false);
            if (existing.isPresent()) {
                return Write.nothing(existing.get().id());
            }
            Compatibility level = now.effectiveLevel(subject);
            List<String> violations = level.violations(candidate.schema(), liveSchemas(now, versions, null));
            if (!violations.isEmpty()) {
                throw RegistryError.incompatible("Schema being registered is incompatible with an earlier schema "
                        + "for subject \"" + subject + "\", details: " + violations);
            }
            int id = now.idOf(candidate.canonical()).orElse(now.nextId());
            int version = versions.isEmpty() ? 1 : versions.get(versions.size() - 1).version() + 1;
            Entry entry = new Entry(LogFormat.encode(new SchemaKey(subject, version)),
                    LogFormat.encode(new SchemaValue(subject, version, id, candidate.canonical(), false)));
            return new Write<>(List.of(entry), id);
        });
    }

    /** The version of the subject holding this schema (a live one unless {@code includeDeleted}). */
    SchemaVersion lookup(String subject, Candidate candidate, boolean includeDeleted) {
        List<SchemaVersion> versions = visible(state.versions(subject), includeDeleted);
        if (versions.isEmpty()) {
            throw RegistryError.subjectNotFound(subject);
        }
        return matching(versions, candidate, includeDeleted)
                .orElseThrow(() -> RegistryError.schemaNotFound("Schema not found"));
    }

    StoredSchema schemaById(int id) {
        return state.schema(id).orElseThrow(() -> RegistryError.schemaNotFound("Schema " + id + " not found"));
    }

    /** The (subject, version) pairs holding the schema with this id. */
    List<SchemaVersion> versionsOfId(int id, boolean includeDeleted) {
        schemaById(id);
        return visible(state.versionsWithId(id), includeDeleted);
    }

    List<String> subjects(boolean includeDeleted) {
        List<String> subjects = new ArrayList<>();
        for (String subject : state.subjects()) {
            if (!visible(state.versions(subject), includeDeleted).isEmpty()) {
                subjects.add(subject);
            }
        }
        return subjects;
    }

    List<Integer> versions(String subject, boolean includeDeleted) {
        List<SchemaVersion> versions = visible(state.versions(subject), includeDeleted);
        if (versions.isEmpty()) {
            throw RegistryError.subjectNotFound(subject);
        }
        return versions.stream().map(SchemaVersion::version).toList();
    }

    /** A version of the subject by number, or "latest" (also -1). */
    SchemaVersion version(String subject, String version, boolean includeDeleted) {
        List<SchemaVersion> versions = visible(state.versions(subject), includeDeleted);
        int wanted = parseVersion(version);
        if (versions.isEmpty()) {
            throw RegistryError.subjectNotFound(subject);
        }
        return find(subject, versions, wanted);
    }

    /**
     * Why the schema may not follow the given version ("latest": the versions the subject's level
     * compares with) under the subject's level; empty when it may.
     */
    List<String> compatibilityViolations(String subject, String version, Candidate candidate) {
        List<SchemaVersion> live = visible(state.versions(subject), false);
        int wanted = version == null ? -1 : parseVersion(version);
        if (live.isEmpty()) {
            throw RegistryError.subjectNotFound(subject);
        }
        NavigableMap<Integer, Schema> against = wanted < 0
                ? liveSchemas(state, live, null)
                : liveSchemas(state, live, find(subject, live, wanted).version());
        return state.effectiveLevel(subject).violations(candidate.schema(), against);
    }

    Compatibility globalLevel() {
        return state.globalLevel().orElse(Compatibility.DEFAULT);
    }

    Compatibility setGlobalLevel(Compatibility level) {
        return log.write(now -> new Write<>(List.of(configEntry(null, level)), level));
    }

    /** Forgets the global level (back to {@link Compatibility#DEFAULT}) and returns the one it had. */
    Compatibility deleteGlobalLevel() {
        return log.write(now -> new Write<>(List.of(configEntry(null, null)),
                now.globalLevel().orElse(Compatibility.DEFAULT)));
    }

    /** The subject's own level; without one, the global level if {@code defaultToGlobal}, else 40408. */
    Compatibility subjectLevel(String subject, boolean defaultToGlobal) {
        Optional<Compatibility> own = state.subjectLevel(subject);
        if (own.isPresent()) {
            return own.get();
        }
        if (defaultToGlobal) {
            return globalLevel();
        }
        throw RegistryError.subjectLevelNotConfigured(subject);
    }

    Compatibility setSubjectLevel(String subject, Compatibility level) {
        return log.write(now -> new Write<>(List.of(configEntry(subject, level)), level));
    }

    Compatibility deleteSubjectLevel(String subject) {
        return log.write(now -> {
            Optional<Compatibility> own = now.subjectLevel(subject);
            if (own.isEmpty()) {
                throw now.versions(subject).isEmpty()
                        ? RegistryError.subjectNotFound(subject)
                        : RegistryError.subjectLevelNotConfigured(subject);
            }
            return new Write<>(List.of(configEntry(subject, null)), own.get());
        });
    }

    /**
     * Soft-deletes the subject's live versions, or with {@code permanent} removes its soft-deleted versions
     * and level for good (tombstones); returns the versions deleted.
     */
    List<Integer> deleteSubject(String subject, boolean permanent) {
        return log.write(now -> {
            List<SchemaVersion> versions = now.versions(subject);
            if (versions.isEmpty()) {
                throw RegistryError.subjectNotFound(subject);
            }
            List<SchemaVersion> live = visible(versions, false);
            List<Entry> entries = new ArrayList<>();
            if (!permanent) {
                if (live.isEmpty()) {
                    throw RegistryError.subjectSoftDeleted(subject);
                }
                live.forEach(v -> entries.add(schemaEntry(v, true)));
                return new Write<>(entries, live.stream().map(SchemaVersion::version).toList());
            }
            if (!live.isEmpty()) {
                throw RegistryError.subjectNotSoftDeleted(subject);
            }
            versions.forEach(v -> entries.add(new Entry(LogFormat.encode(new SchemaKey(subject, v.version())), null)));
            if (now.subjectLevel(subject).isPresent()) {
                entries.add(configEntry(subject, null));
            }
            return new Write<>(entries, versions.stream().map(SchemaVersion::version).toList());
        });
    }

    /** Soft-deletes one version, or with {@code permanent} removes a soft-deleted one; returns its number. */
    int deleteVersion(String subject, String version, boolean permanent) {
        int wanted = parseVersion(version);
        return log.write(now -> {
            List<SchemaVersion> versions = now.versions(subject);
            if (visible(versions, permanent).isEmpty()) {
                throw RegistryError.subjectNotFound(subject);
            }
            SchemaVersion target = find(subject, wanted < 0 ? visible(versions, false) : versions, wanted);
            if (!permanent) {
                if (target.deleted()) {
                    throw RegistryError.versionSoftDeleted(subject, target.version());
                }
                return new Write<>(List.of(schemaEntry(target, true)), target.version());
            }
            if (!target.deleted()) {
                throw RegistryError.versionNotSoftDeleted(subject, target.version());
            }
            Entry tombstone = new Entry(LogFormat.encode(new SchemaKey(subject, target.version())), null);
            return new Write<>(List.of(tombstone), target.version());
        });
    }

    /** Reads until this instance has applied everything committed to the log so far. */
    void catchUp() {
        log.catchUp();
    }

    /** -1 for "latest"; a 422 error_code 42202 for anything but a positive number. */
    static int parseVersion(String version) {
        if ("latest".equals(version)) {
            return -1;
        }
        try {
            int number = Integer.parseInt(version);
            if (number == -1 || number >= 1) {
                return number;
            }
        } catch (NumberFormatException e) {
            // falls through to the registry's own error
        }
        throw RegistryError.invalidVersion(version);
    }

    private static SchemaVersion find(String subject, List<SchemaVersion> versions, int wanted) {
        if (wanted < 0) {
            if (versions.isEmpty()) {
                throw RegistryError.subjectNotFound(subject);
            }
            return versions.get(versions.size() - 1);
        }
        return versions.stream().filter(v -> v.version() == wanted).findFirst()
                .orElseThrow(() -> RegistryError.versionNotFound(subject, wanted));
    }

    /** The newest version holding this schema, preferring a live one. */
    private static Optional<SchemaVersion> matching(List<SchemaVersion> versions, Candidate candidate, boolean includeDeleted) {
        SchemaVersion found = null;
        for (SchemaVersion v : versions) {
            if (v.schema().equals(candidate.canonical()) && (!v.deleted() || includeDeleted)) {
                if (found == null || found.deleted() || !v.deleted()) {
                    found = v;
                }
            }
        }
        return Optional.ofNullable(found);
    }

    private static List<SchemaVersion> visible(List<SchemaVersion> versions, boolean includeDeleted) {
        return includeDeleted ? versions : versions.stream().filter(v -> !v.deleted()).toList();
    }

    /** The parsed schemas of the live versions (only {@code onlyVersion} if given), by version. */
    private static NavigableMap<Integer, Schema> liveSchemas(RegistryState now, List<SchemaVersion> versions,
            Integer onlyVersion) {
        NavigableMap<Integer, Schema> live = new TreeMap<>();
        for (SchemaVersion v : versions) {
            if (!v.deleted() && (onlyVersion == null || onlyVersion == v.version())) {
                now.schema(v.id()).ifPresent(stored -> live.put(v.version(), stored.schema()));
            }
        }
        return live;
    }

    private static Entry schemaEntry(SchemaVersion v, boolean deleted) {
        return new Entry(LogFormat.encode(new SchemaKey(v.subject(), v.version())),
                LogFormat.encode(new SchemaValue(v.subject(), v.version(), v.id(), v.schema(), deleted)));
    }

    private static Entry configEntry(String subject, Compatibility level) {
        return new Entry(LogFormat.encode(new ConfigKey(subject)), level == null ? null : LogFormat.encode(level));
    }
}
