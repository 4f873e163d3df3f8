package io.matchstream.ingest;

import io.matchstream.schemas.flink.JobEnvironment;
import io.matchstream.schemas.flink.JobFlags;
import java.io.Serializable;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Every knob of the ingest job, read from {@code --flag value} arguments, then {@code MATCHSTREAM_*}
 * environment variables, then defaults that run against the embedded stack. README lists them all.
 */
public record IngestConfig(
        String bootstrapServers,
        String registryUrl,
        String groupId,
        String transactionalIdPrefix,
        Duration checkpointInterval,
        String checkpointDir,
        String stateBackend,
        Duration dedupTtl,
        Duration maxFutureSkew,
        int maxPhotoBytes,
        int maxPhotoSide,
        long maxPhotoPixels,
        int parallelism,
        Duration transactionTimeout,
        String compression) implements Serializable {

    public static final String JOB_NAME = "matchstream-ingest";

    public static IngestConfig defaults() {
        return fromFlags(Map.of(), Map.of());
    }

    public static IngestConfig fromArgs(String[] args) {
        return fromFlags(JobFlags.parse(args), System.getenv());
    }

    static IngestConfig fromFlags(Map<String, String> flags, Map<String, String> env) {
        Settings s = new Settings(flags, env);
        IngestConfig config = new IngestConfig(
                s.get("bootstrap-servers", "localhost:9092"),
                s.get("registry-url", "http://localhost:8085"),
                s.get("group-id", JOB_NAME),
                s.get("transactional-id-prefix", JOB_NAME),
                Duration.ofMillis(Long.parseLong(s.get("checkpoint-interval-ms", "1000"))),
                s.get("checkpoint-dir", "file://" + System.getProperty("user.dir") + "/.matchstream/data/flink/checkpoints"),
                s.get("state-backend", "rocksdb"),
                Duration.ofHours(Long.parseLong(s.get("dedup-ttl-hours", "24"))),
                Duration.ofSeconds(Long.parseLong(s.get("max-future-skew-s", "300"))),
                Integer.parseInt(s.get("max-photo-bytes", Integer.toString(10 * 1024 * 1024))),
                Integer.parseInt(s.get("max-photo-side", "10000")),
                Long.parseLong(s.get("max-photo-pixels", "40000000")),
                Integer.parseInt(s.get("parallelism", "2")),
                Duration.ofMinutes(Long.parseLong(s.get("transaction-timeout-min", "10"))),
                s.get("compression", "lz4"));
        s.rejectUnknownFlags();
        if (!config.stateBackend.equals("rocksdb") && !config.stateBackend.equals("hashmap")) {
            throw new IllegalArgumentException("--state-backend must be rocksdb or hashmap, got " + config.stateBackend);
        }
        if (config.transactionTimeout.compareTo(Duration.ofMinutes(15)) >= 0) {
            // The broker refuses transactions longer than transaction.max.timeout.ms (15 min by default);
            // the sink would then restart forever without output.
            throw new IllegalArgumentException("--transaction-timeout-min must stay below the broker's 15 min maximum");
        }
        return config;
    }

    /** What the shared job environment needs of this configuration. */
    public io.matchstream.schemas.flink.JobEnvironment.Settings jobSettings() {
        return new io.matchstream.schemas.flink.JobEnvironment.Settings(JOB_NAME, parallelism, checkpointInterval,
                checkpointDir, stateBackend);
    }

    /** This configuration as flags, so that {@link #with} can change one and validate the result again. */
    public Map<String, String> toFlags() {
        Map<String, String> flags = new LinkedHashMap<>();
        flags.put("bootstrap-servers", bootstrapServers);
        flags.put("registry-url", registryUrl);
        flags.put("group-id", groupId);
        flags.put("transactional-id-prefix", transactionalIdPrefix);
        flags.put("checkpoint-interval-ms", Long.toString(checkpointInterval.toMillis()));
        flags.put("checkpoint-dir", checkpointDir);
        flags.put("state-backend", stateBackend);
        flags.put("dedup-ttl-hours", Long.toString(dedupTtl.toHours()));
        flags.put("max-future-skew-s", Long.toString(maxFutureSkew.toSeconds()));
        flags.put("max-photo-bytes", Integer.toString(maxPhotoBytes));
        flags.put("max-photo-side", Integer.toString(maxPhotoSide));
        flags.put("max-photo-pixels", Long.toString(maxPhotoPixels));
        flags.put("parallelism", Integer.toString(parallelism));
        flags.put("transaction-timeout-min", Long.toString(transactionTimeout.toMinutes()));
        flags.put("compression", compression);
        return flags;
    }

    /** A copy with one flag changed, e.g. {@code with("state-backend", "hashmap")}. */
    public IngestConfig with(String flag, String value) {
        Map<String, String> flags = toFlags();
        flags.put(flag, value);
        return fromFlags(flags, Map.of());
    }

    public IngestConfig withBootstrapServers(String servers, String registry) {
        return with("bootstrap-servers", servers).with("registry-url", registry);
    }

    private record Settings(Map<String, String> flags, Map<String, String> env, Set<String> known) {
        Settings(Map<String, String> flags, Map<String, String> env) {
            this(flags, env, new HashSet<>());
        }

        String get(String flag, String fallback) {
            known.add(flag);
            String value = flags.get(flag);
            if (value == null) {
                value = env.get("MATCHSTREAM_" + flag.toUpperCase().replace('-', '_'));
            }
            return value == null ? fallback : value;
        }

        void rejectUnknownFlags() {
            for (String flag : flags.keySet()) {
                if (!known.contains(flag)) {
                    throw new IllegalArgumentException("unknown flag --" + flag + "; known: --" + String.join(", --", new TreeSet<>(known)));
                }
            }
        }
    }
}
