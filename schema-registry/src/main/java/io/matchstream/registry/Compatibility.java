package io.matchstream.registry;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.NavigableMap;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.SchemaCompatibility.Incompatibility;

/**
 * Confluent's compatibility levels, decided by Avro's own reader/writer resolution
 * ({@link SchemaCompatibility#checkReaderWriterCompatibility}), so "compatible" here means exactly
 * "a consumer can decode it with Avro". BACKWARD: the new schema reads data written with the previous
 * schema(s); FORWARD: the previous schema(s) read data written with the new one; FULL: both.
 * {@code _TRANSITIVE} compares with every live version instead of only the latest.
 */
public enum Compatibility {
    NONE(false, false, false),
    BACKWARD(true, false, false),
    BACKWARD_TRANSITIVE(true, false, true),
    FORWARD(false, true, false),
    FORWARD_TRANSITIVE(false, true, true),
    FULL(true, true, false),
    FULL_TRANSITIVE(true, true, true);

    /** The level of a subject with no level of its own when no global level was ever set. */
    public static final Compatibility DEFAULT = BACKWARD;

    private final boolean newReadsOld;
    private final boolean oldReadsNew;
    private final boolean transitive;

    Compatibility(boolean newReadsOld, boolean oldReadsNew, boolean transitive) {
        this.newReadsOld = newReadsOld;
        this.oldReadsNew = oldReadsNew;
        this.transitive = transitive;
    }

    /** The level named (any case); a 422 error_code 42203 for anything else, as Confluent answers. */
    static Compatibility parse(String name) {
        if (name != null) {
            try {
                return valueOf(name.trim().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                // falls through to the registry's own error
            }
        }
        throw RegistryError.invalidCompatibilityLevel(name);
    }

    /**
     * Why {@code candidate} may not follow the given live versions of a subject under this level; empty
     * when it may. Only the newest version counts unless the level is transitive.
     *
     * @param liveVersions the subject's live (not soft-deleted) versions by version number
     */
    public List<String> violations(Schema candidate, NavigableMap<Integer, Schema> liveVersions) {
        if (this == NONE || liveVersions.isEmpty()) {
            return List.of();
        }
        Iterable<Map.Entry<Integer, Schema>> against = transitive
                ? liveVersions.descendingMap().entrySet()
                : List.of(liveVersions.lastEntry());
        List<String> messages = new ArrayList<>();
        for (Map.Entry<Integer, Schema> existing : against) {
            if (newReadsOld) {
                describe(candidate, existing.getValue(), "the new schema cannot read data written with version "
                        + existing.getKey(), messages);
            }
            if (oldReadsNew) {
                describe(existing.getValue(), candidate, "version " + existing.getKey()
                        + " cannot read data written with the new schema", messages);
            }
        }
        return messages;
    }

    private void describe(Schema reader, Schema writer, String direction, List<String> messages) {
        List<Incompatibility> problems = SchemaCompatibility.checkReaderWriterCompatibility(reader, writer)
                .getResult().getIncompatibilities();
        for (Incompatibility problem : problems) {
            messages.add(name() + ": " + direction + ": " + problem.getType() + " at " + problem.getLocation()
                    + ": " + problem.getMessage());
        }
    }
}
