package io.matchstream.registry;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Everything a registry instance needs. Every instance on the same topic must use the same
 * {@code transactionalId}: the shared id is what lets Kafka fence all writers but the latest (see
 * {@link SchemaLog}).
 *
 * @param bootstrapServers the Kafka cluster holding the log
 * @param host             the interface the REST API listens on
 * @param port             the REST port; 0 picks a free one
 * @param topic            the compacted single-partition log topic
 * @param transactionalId  the producer transactional.id shared by all instances
 */
public record RegistryConfig(String bootstrapServers, String host, int port, String topic, String transactionalId) {
    public static final String DEFAULT_BOOTSTRAP_SERVERS = "localhost:9092";
    public static final String DEFAULT_HOST = "0.0.0.0";
    public static final int DEFAULT_PORT = 8085;
    public static final String DEFAULT_TOPIC = "_schemas";
    public static final String DEFAULT_TRANSACTIONAL_ID = "matchstream-schema-registry";

    public RegistryConfig {
        require(bootstrapServers, "bootstrap servers");
        require(host, "host");
        require(topic, "topic");
        require(transactionalId, "transactional id");
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port must be within 0..65535, got " + port);
        }
    }

    /** The defaults, on the given cluster. */
    public static RegistryConfig defaults(String bootstrapServers) {
        return new RegistryConfig(bootstrapServers, DEFAULT_HOST, DEFAULT_PORT, DEFAULT_TOPIC, DEFAULT_TRANSACTIONAL_ID);
    }

    /**
     * Reads {@code --bootstrap-servers}, {@code --host}, {@code --port}, {@code --topic} and
     * {@code --transactional-id}; a flag missing from the command line is taken from the environment
     * variable {@code MATCHSTREAM_<FLAG>} (e.g. {@code MATCHSTREAM_BOOTSTRAP_SERVERS}), then the default.
     */
    public static RegistryConfig fromArgs(String[] args, Map<String, String> env) {
        Map<String, String> flags = new HashMap<>();
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if (!arg.startsWith("--")) {
                throw new IllegalArgumentException("expected --flag value pairs, got: " + arg);
            }
            String name = arg.substring(2);
            int eq = name.indexOf('=');
            if (eq >= 0) {
                flags.put(name.substring(0, eq), name.substring(eq + 1));
            } else if (i + 1 < args.length) {
                flags.put(name, args[++i]);
            } else {
                throw new IllegalArgumentException("flag --" + name + " needs a value");
            }
        }
        Set<String> known = new TreeSet<>(Set.of("bootstrap-servers", "host", "port", "topic", "transactional-id"));
        for (String flag : flags.keySet()) {
            if (!known.contains(flag)) {
                throw new IllegalArgumentException("unknown flag --" + flag + "; known: --" + String.join(", --", known));
            }
        }
        String port = setting("port", Integer.toString(DEFAULT_PORT), flags, env);
        try {
            return new RegistryConfig(
                    setting("bootstrap-servers", DEFAULT_BOOTSTRAP_SERVERS, flags, env),
                    setting("host", DEFAULT_HOST, flags, env),
                    Integer.parseInt(port),
                    setting("topic", DEFAULT_TOPIC, flags, env),
                    setting("transactional-id", DEFAULT_TRANSACTIONAL_ID, flags, env));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--port must be a whole number, got '" + port + "'");
        }
    }

    public RegistryConfig withPort(int newPort) {
        return new RegistryConfig(bootstrapServers, host, newPort, topic, transactionalId);
    }

    public RegistryConfig withHost(String newHost) {
        return new RegistryConfig(bootstrapServers, newHost, port, topic, transactionalId);
    }

    public RegistryConfig withTopic(String newTopic) {
        return new RegistryConfig(bootstrapServers, host, port, newTopic, transactionalId);
    }

    public RegistryConfig withTransactionalId(String newTransactionalId) {
        return new RegistryConfig(bootstrapServers, host, port, topic, newTransactionalId);
    }

    private static String setting(String flag, String fallback, Map<String, String> flags, Map<String, String> env) {
        String value = flags.get(flag);
        if (value == null) {
            value = env.get("MATCHSTREAM_" + flag.toUpperCase().replace('-', '_'));
        }
        return value == null || value.isBlank() ? fallback : value;
    }

    private static void require(String value, String what) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException(what + " must not be blank");
        }
    }
}
