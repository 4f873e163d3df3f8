package io.matchstream.index;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The index sink and query service's knobs: {@code --flag value}, then {@code MATCHSTREAM_*} variables,
 * then defaults that run against the embedded stack ({@code ./matchstream local}). Every flag is listed
 * with its default in README "Index sink and query service".
 */
public record IndexServiceConfig(
        String bootstrapServers,
        String registryUrl,
        String groupId,
        String instanceId,
        int httpPort,
        int httpThreads,
        Path dataDir,
        Duration snapshotInterval,
        int snapshotsKept,
        String indexType,
        List<String> peers,
        RerankWeights weights,
        int overfetch,
        int maxLimit,
        String jwtIssuer,
        String jwtHs256Secret,
        Path jwtRs256PublicKey,
        String peerSecret,
        int rateLimitPerMinute) {

    /** The development secret of the embedded stack; {@code ./matchstream token USER} signs with it. Never use it in production. */
    public static final String DEV_JWT_SECRET = "matchstream-dev-secret-do-not-use-in-production";
    public static final String DEV_JWT_ISSUER = "matchstream-dev";
    /** Signs the short-lived tokens instances send each other on the internal fan-out endpoints. */
    public static final String DEV_PEER_SECRET = "matchstream-dev-peer-secret-do-not-use-in-production";

    private static final Map<String, String> DEFAULTS = defaults();

    public IndexServiceConfig {
        require(httpPort >= 0 && httpPort <= 65_535, "http-port must lie in 0..65535");
        require(httpThreads >= 1, "http-threads must be at least 1");
        require(!snapshotInterval.isNegative() && !snapshotInterval.isZero(), "snapshot-interval-ms must be positive");
        require(snapshotsKept >= 1, "snapshots-kept must be at least 1");
        require(overfetch >= 1, "overfetch must be at least 1");
        require(maxLimit >= 1, "max-limit must be at least 1");
        require(rateLimitPerMinute >= 1, "rate-limit-per-minute must be at least 1");
        require(!instanceId.isBlank() && !groupId.isBlank(), "instance-id and group-id must not be empty");
    }

    private static void require(boolean condition, String message) {
        if (!condition) {
            throw new IllegalArgumentException(message);
        }
    }

    private static Map<String, String> defaults() {
        Map<String, String> d = new TreeMap<>();
        d.put("bootstrap-servers", "localhost:9092");
        d.put("registry-url", "http://localhost:8085");
        d.put("group-id", "matchstream-index");
        d.put("instance-id", "index-1");
        d.put("http-port", "8090");
        d.put("http-threads", "8");
        d.put("data-dir", System.getProperty("user.dir") + "/.matchstream/data/index-sink");
        d.put("snapshot-interval-ms", "30000");
        d.put("snapshots-kept", "2");
        d.put("index-type", "faiss");
        d.put("peers", "");
        d.put("weight-preference", "1.0");
        d.put("weight-reciprocal", "0.5");
        d.put("weight-recency", "0.2");
        d.put("recency-half-life-hours", "72");
        d.put("mmr-lambda", "0.8");
        d.put("overfetch", "5");
        d.put("max-limit", "100");
        d.put("jwt-issuer", DEV_JWT_ISSUER);
        d.put("jwt-hs256-secret", DEV_JWT_SECRET);
        d.put("jwt-rs256-public-key", "");
        d.put("peer-secret", DEV_PEER_SECRET);
        d.put("rate-limit-per-minute", "100");
        return Map.copyOf(d);
    }

    public static IndexServiceConfig defaultsConfig() {
        return fromFlags(Map.of(), Map.of());
    }

    public static IndexServiceConfig fromFlags(Map<String, String> flags, Map<String, String> env) {
        for (String flag : flags.keySet()) {
            if (!DEFAULTS.containsKey(flag)) {
                throw new IllegalArgumentException("unknown flag --" + flag + "; known: --" + String.join(", --", new TreeSet<>(DEFAULTS.keySet())));
            }
        }
        Map<String, String> v = new HashMap<>(DEFAULTS);
        for (String flag : DEFAULTS.keySet()) {
            String fromEnv = env.get("MATCHSTREAM_INDEX_" + flag.toUpperCase().replace('-', '_'));
            if (fromEnv != null) {
                v.put(flag, fromEnv);
            }
        }
        v.putAll(flags);
        RerankWeights weights = new RerankWeights(
                Double.parseDouble(v.get("weight-preference")), Double.parseDouble(v.get("weight-reciprocal")),
                Double.parseDouble(v.get("weight-recency")),
                Duration.ofMinutes(Math.round(Double.parseDouble(v.get("recency-half-life-hours")) * 60)),
                Double.parseDouble(v.get("mmr-lambda")));
        String rsKey = v.get("jwt-rs256-public-key");
        return new IndexServiceConfig(v.get("bootstrap-servers"), v.get("registry-url"), v.get("group-id"), v.get("instance-id"),
                Integer.parseInt(v.get("http-port")), Integer.parseInt(v.get("http-threads")), Path.of(v.get("data-dir")),
                Duration.ofMillis(Long.parseLong(v.get("snapshot-interval-ms"))), Integer.parseInt(v.get("snapshots-kept")),
                v.get("index-type"),
                Arrays.stream(v.get("peers").split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList(),
                weights, Integer.parseInt(v.get("overfetch")), Integer.parseInt(v.get("max-limit")),
                v.get("jwt-issuer"), v.get("jwt-hs256-secret"), rsKey.isBlank() ? null : Path.of(rsKey),
                v.get("peer-secret"),
                Integer.parseInt(v.get("rate-limit-per-minute")));
    }

    public static IndexServiceConfig fromArgs(String[] args) {
        Map<String, String> flags = new HashMap<>();
        for (int i = 0; i < args.length; i++) {
            if (!args[i].startsWith("--") || i + 1 >= args.length) {
                throw new IllegalArgumentException("expected --flag value pairs, got: " + args[i]);
            }
            flags.put(args[i].substring(2), args[++i]);
        }
        return fromFlags(flags, System.getenv());
    }

    /** A copy with some flags changed: {@code config.with(Map.of("http-port", "0"))}. */
    public IndexServiceConfig with(Map<String, String> changes) {
        Map<String, String> flags = new HashMap<>(toFlags());
        flags.putAll(changes);
        return fromFlags(flags, Map.of());
    }

    /** Every setting as a flag; {@code fromFlags(toFlags(), Map.of())} gives this configuration back. */
    public Map<String, String> toFlags() {
        Map<String, String> f = new TreeMap<>();
        f.put("bootstrap-servers", bootstrapServers);
        f.put("registry-url", registryUrl);
        f.put("group-id", groupId);
        f.put("instance-id", instanceId);
        f.put("http-port", Integer.toString(httpPort));
        f.put("http-threads", Integer.toString(httpThreads));
        f.put("data-dir", dataDir.toString());
        f.put("snapshot-interval-ms", Long.toString(snapshotInterval.toMillis()));
        f.put("snapshots-kept", Integer.toString(snapshotsKept));
        f.put("index-type", indexType);
        f.put("peers", String.join(",", peers));
        f.put("weight-preference", Double.toString(weights.preference()));
        f.put("weight-reciprocal", Double.toString(weights.reciprocal()));
        f.put("weight-recency", Double.toString(weights.recency()));
        f.put("recency-half-life-hours", Double.toString(weights.recencyHalfLife().toMinutes() / 60.0));
        f.put("mmr-lambda", Double.toString(weights.mmrLambda()));
        f.put("overfetch", Integer.toString(overfetch));
        f.put("max-limit", Integer.toString(maxLimit));
        f.put("jwt-issuer", jwtIssuer);
        f.put("jwt-hs256-secret", jwtHs256Secret);
        f.put("jwt-rs256-public-key", jwtRs256PublicKey == null ? "" : jwtRs256PublicKey.toString());
        f.put("peer-secret", peerSecret);
        f.put("rate-limit-per-minute", Integer.toString(rateLimitPerMinute));
        return f;
    }

    /** Every flag with its default, for the usage text. */
    public static Map<String, String> flagDefaults() {
        return new TreeMap<>(DEFAULTS);
    }
}
