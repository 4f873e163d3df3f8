package io.matchstream.preference;

import io.matchstream.schemas.flink.JobEnvironment;
import io.matchstream.schemas.flink.JobFlags;
import java.io.Serializable;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeSet;

/**
 * The preference job's knobs: {@code --flag value}, then {@code MATCHSTREAM_*} variables, then defaults
 * for the embedded stack. Same Kafka and checkpoint flags as the other jobs, plus the preference math
 * (README "Preference job" lists every flag with its meaning).
 */
public record PreferenceConfig(String bootstrapServers, String registryUrl, String groupId, String checkpointDir,
        Duration checkpointInterval, int parallelism, String stateBackend, Duration pairTtl,
        PreferenceFunction.Settings preference, Duration enrichmentWait, boolean exactlyOnceUpdates, Duration bufferTimeout,
        String updateCompression, String rocksdbCompaction, String rocksdbMemoryPerSlot, boolean stateChangelog,
        Duration changelogMaterializeInterval) implements Serializable {

    public static final String JOB_NAME = "matchstream-preference";

    private static final Map<String, String> DEFAULTS = Map.ofEntries(
            Map.entry("bootstrap-servers", "localhost:9092"),
            Map.entry("registry-url", "http://localhost:8085"),
            Map.entry("group-id", JOB_NAME),
            Map.entry("checkpoint-dir", "file://" + System.getProperty("user.dir") + "/.matchstream/data/flink/checkpoints"),
            Map.entry("checkpoint-interval-ms", "1000"),
            Map.entry("parallelism", "2"),
            Map.entry("state-backend", "rocksdb"),
            Map.entry("pair-ttl-days", "180"),
            Map.entry("base-weight", "0.6"),
            Map.entry("preference-weight", "0.4"),
            Map.entry("half-life-hours", "336"),
            Map.entry("pass-weight", "0"),
            Map.entry("min-update-interval-ms", "500"),
            Map.entry("update-burst", "2"),
            Map.entry("triplet-window-minutes", "30"),
            Map.entry("user-ttl-days", "90"),
            Map.entry("enrichment-wait-seconds", "600"),
            Map.entry("update-delivery", "at-least-once"),
            Map.entry("buffer-timeout-ms", "10"),
            Map.entry("update-compression", "none"),
            Map.entry("rocksdb-compaction", "level"),
            Map.entry("rocksdb-memory-per-slot", "managed"),
            Map.entry("state-changelog", "true"),
            Map.entry("changelog-materialize-interval-ms", "180000"));

    public static PreferenceConfig fromFlags(Map<String, String> flags, Map<String, String> env) {
        for (String flag : flags.keySet()) {
            if (!DEFAULTS.containsKey(flag)) {
                throw new IllegalArgumentException("unknown flag --" + flag + "; known: --" + String.join(", --", new TreeSet<>(DEFAULTS.keySet())));
            }
        }
        Map<String, String> v = new HashMap<>(DEFAULTS);
        for (String flag : DEFAULTS.keySet()) {
            String fromEnv = env.get("MATCHSTREAM_" + flag.toUpperCase().replace('-', '_'));
            if (fromEnv != null) {
                v.put(flag, fromEnv);
            }
        }
        v.putAll(flags);
        String delivery = v.get("update-delivery");
        if (!delivery.equals("at-least-once") && !delivery.equals("exactly-once")) {
            throw new IllegalArgumentException("--update-delivery is at-least-once or exactly-once, not " + delivery);
        }
        String changelog = v.get("state-changelog");
        if (!changelog.equals("true") && !changelog.equals("false")) {
            throw new IllegalArgumentException("--state-changelog is true or false, not " + changelog);
        }
        return new PreferenceConfig(v.get("bootstrap-servers"), v.get("registry-url"), v.get("group-id"),
                v.get("checkpoint-dir"), Duration.ofMillis(Long.parseLong(v.get("checkpoint-interval-ms"))),
                Integer.parseInt(v.get("parallelism")), v.get("state-backend"),
                Duration.ofDays(Long.parseLong(v.get("pair-ttl-days"))),
                new PreferenceFunction.Settings(Double.parseDouble(v.get("base-weight")), Double.parseDouble(v.get("preference-weight")),
                        Duration.ofMinutes(Math.round(Double.parseDouble(v.get("half-life-hours")) * 60)),
                        Double.parseDouble(v.get("pass-weight")),
                        Duration.ofMillis(Long.parseLong(v.get("min-update-interval-ms"))),
                        Integer.parseInt(v.get("update-burst")),
                        Duration.ofMinutes(Long.parseLong(v.get("triplet-window-minutes"))),
                        Duration.ofDays(Long.parseLong(v.get("user-ttl-days")))),
                Duration.ofSeconds(Long.parseLong(v.get("enrichment-wait-seconds"))),
                delivery.equals("exactly-once"), Duration.ofMillis(Long.parseLong(v.get("buffer-timeout-ms"))),
                v.get("update-compression"), v.get("rocksdb-compaction"), v.get("rocksdb-memory-per-slot"),
                Boolean.parseBoolean(changelog), Duration.ofMillis(Long.parseLong(v.get("changelog-materialize-interval-ms"))));
    }

    public static PreferenceConfig fromArgs(String[] args) {
        return fromFlags(JobFlags.parse(args), System.getenv());
    }

    /** This configuration with one flag changed. */
    public PreferenceConfig with(String flag, String value) {
        Map<String, String> flags = toFlags();
        flags.put(flag, value);
        return fromFlags(flags, Map.of());
    }

    /** Every setting as a flag; {@code fromFlags(toFlags(), Map.of())} gives this configuration back. */
    public Map<String, String> toFlags() {
        Map<String, String> flags = new HashMap<>();
        flags.put("bootstrap-servers", bootstrapServers);
        flags.put("registry-url", registryUrl);
        flags.put("group-id", groupId);
        flags.put("checkpoint-dir", checkpointDir);
        flags.put("checkpoint-interval-ms", Long.toString(checkpointInterval.toMillis()));
        flags.put("parallelism", Integer.toString(parallelism));
        flags.put("state-backend", stateBackend);
        flags.put("pair-ttl-days", Long.toString(pairTtl.toDays()));
        flags.put("base-weight", Double.toString(preference.baseWeight()));
        flags.put("preference-weight", Double.toString(preference.preferenceWeight()));
        flags.put("half-life-hours", Double.toString(preference.halfLife().toMinutes() / 60.0));
        flags.put("pass-weight", Double.toString(preference.passWeight()));
        flags.put("min-update-interval-ms", Long.toString(preference.minInterval().toMillis()));
        flags.put("update-burst", Integer.toString(preference.updateBurst()));
        flags.put("triplet-window-minutes", Long.toString(preference.tripletWindow().toMinutes()));
        flags.put("user-ttl-days", Long.toString(preference.stateTtl().toDays()));
        flags.put("enrichment-wait-seconds", Long.toString(enrichmentWait.toSeconds()));
        flags.put("update-delivery", exactlyOnceUpdates ? "exactly-once" : "at-least-once");
        flags.put("buffer-timeout-ms", Long.toString(bufferTimeout.toMillis()));
        flags.put("update-compression", updateCompression);
        flags.put("rocksdb-compaction", rocksdbCompaction);
        flags.put("rocksdb-memory-per-slot", rocksdbMemoryPerSlot);
        flags.put("state-changelog", Boolean.toString(stateChangelog));
        flags.put("changelog-materialize-interval-ms", Long.toString(changelogMaterializeInterval.toMillis()));
        return flags;
    }

    public JobEnvironment.Settings jobSettings() {
        return new JobEnvironment.Settings(JOB_NAME, parallelism, checkpointInterval, checkpointDir, stateBackend);
    }
}
