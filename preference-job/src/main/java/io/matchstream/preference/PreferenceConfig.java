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
 * for the embedded stack. Same Kafka and checkpoint flags as the other jobs, plus {@code --pair-ttl-days}
 * (how long an inactive pair's history is kept, default 180).
 */
public record PreferenceConfig(String bootstrapServers, String registryUrl, String groupId, String checkpointDir,
        Duration checkpointInterval, int parallelism, String stateBackend, Duration pairTtl) implements Serializable {

    public static final String JOB_NAME = "matchstream-preference";

    private static final Map<String, String> DEFAULTS = Map.of(
            "bootstrap-servers", "localhost:9092",
            "registry-url", "http://localhost:8085",
            "group-id", JOB_NAME,
            "checkpoint-dir", "file://" + System.getProperty("user.dir") + "/.matchstream/data/flink/checkpoints",
            "checkpoint-interval-ms", "1000",
            "parallelism", "2",
            "state-backend", "rocksdb",
            "pair-ttl-days", "180");

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
        return new PreferenceConfig(v.get("bootstrap-servers"), v.get("registry-url"), v.get("group-id"),
                v.get("checkpoint-dir"), Duration.ofMillis(Long.parseLong(v.get("checkpoint-interval-ms"))),
                Integer.parseInt(v.get("parallelism")), v.get("state-backend"),
                Duration.ofDays(Long.parseLong(v.get("pair-ttl-days"))));
    }

    public static PreferenceConfig fromArgs(String[] args) {
        return fromFlags(JobFlags.parse(args), System.getenv());
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
        return flags;
    }

    public JobEnvironment.Settings jobSettings() {
        return new JobEnvironment.Settings(JOB_NAME, parallelism, checkpointInterval, checkpointDir, stateBackend);
    }

}
