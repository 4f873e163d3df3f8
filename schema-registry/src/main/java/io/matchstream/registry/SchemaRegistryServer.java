package io.matchstream.registry;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.matchstream.registry.RegistryState.SchemaVersion;
import io.matchstream.registry.RegistryState.StoredSchema;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An Avro schema registry speaking the part of Confluent's REST API that serializers, deserializers and
 * operators call, so any Confluent-compatible registry replaces it by URL. Its truth is the compacted
 * {@code _schemas} topic ({@link SchemaLog}); several instances may serve the same topic.
 *
 * <p>Answers use {@code application/vnd.schemaregistry.v1+json}; every error is
 * {@code {"error_code": int, "message": string}} with Confluent's codes. Confluent 8's association API is
 * deliberately absent: the official clients' default subject-name strategy asks
 * {@code GET /associations/resources/-/<topic>} first and takes the 404 as "no association", falling
 * back to {@code <topic>-value}.
 */
public final class SchemaRegistryServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SchemaRegistryServer.class);
    static final String CONTENT_TYPE = "application/vnd.schemaregistry.v1+json";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int HTTP_THREADS = 8;

    private final RegistryConfig config;
    private final List<Route> routes = new ArrayList<>();
    private final CountDownLatch closed = new CountDownLatch(1);
    private SchemaLog log;
    private Registry registry;
    private HttpServer http;
    private ExecutorService workers;

    public SchemaRegistryServer(RegistryConfig config) {
        this.config = config;
        defineRoutes();
    }

    /** Runs a registry until the process is stopped. Flags: see {@link RegistryConfig#fromArgs}. */
    public static void main(String[] args) throws InterruptedException {
        RegistryConfig config;
        try {
            config = RegistryConfig.fromArgs(args, System.getenv());
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.err.println("usage: schema-registry [--bootstrap-servers localhost:9092] [--port 8085] "
                    + "[--host 0.0.0.0] [--topic _schemas] [--transactional-id matchstream-schema-registry]");
            System.exit(2);
            return;
        }
        SchemaRegistryServer server = new SchemaRegistryServer(config);
        Runtime.getRuntime().addShutdownHook(new Thread(server::close, "schema-registry-shutdown"));
        server.start();
        server.closed.await();
    }

    /** Reads the log to its end, then serves; returns once both are done. */
    public synchronized SchemaRegistryServer start() {
        if (http != null) {
            return this;
        }
        RegistryState state = new RegistryState();
        log = new SchemaLog(config, state);
        registry = new Registry(log, state);
        try {
            log.start();
            http = HttpServer.create(new InetSocketAddress(config.host(), config.port()), 64);
        } catch (IOException e) {
            log.close();
            throw new UncheckedIOException("cannot listen on " + config.host() + ":" + config.port(), e);
        } catch (RuntimeException e) {
            log.close();
            throw e;
        }
        AtomicInteger threads = new AtomicInteger();
        workers = Executors.newFixedThreadPool(HTTP_THREADS, task -> {
            Thread thread = new Thread(task, "schema-registry-http-" + threads.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        });
        http.setExecutor(workers);
        http.createContext("/", this::handle);
        http.start();
        LOG.info("schema registry at {} on topic {} of {}", url(), config.topic(), config.bootstrapServers());
        return this;
    }

    public int port() {
        if (http == null) {
            throw new IllegalStateException("the schema registry is not started");
        }
        return http.getAddress().getPort();
    }

    /** The URL clients use; a wildcard listen address is reached through localhost. */
    public String url() {
        String host = config.host();
        if (host.equals("0.0.0.0") || host.equals("::") || host.equals("[::]")) {
            host = "localhost";
        } else if (host.contains(":") && !host.startsWith("[")) {
            host = "[" + host + "]";
        }
        return "http://" + host + ":" + port();
    }

    /** Waits until this instance has read every change committed to the log, also by other instances. */
    public void catchUp() {
        registry.catchUp();
    }

    @Override
    public synchronized void close() {
        if (http != null) {
            http.stop(0);
            workers.shutdownNow();
            try {
                workers.awaitTermination(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            http = null;
        }
        if (log != null) {
            log.close();
            log = null;
        }
        closed.countDown();
    }

    private void defineRoutes() {
        get("", r -> JSON.createObjectNode());
        get("schemas/types", r -> JSON.createArrayNode().add("AVRO"));
        get("schemas/ids/*", r -> JSON.createObjectNode().put("schema", schemaById(r.param(0)).canonical()));
        get("schemas/ids/*/schema", r -> JSON.readTree(schemaById(r.param(0)).canonical()));
        get("schemas/ids/*/versions", r -> {
            ArrayNode answer = JSON.createArrayNode();
            for (SchemaVersion v : registry.versionsOfId(schemaById(r.param(0)).id(), r.flag("deleted"))) {
                answer.addObject().put("subject", v.subject()).put("version", v.version());
            }
            return answer;
        });
        get("schemas/ids/*/subjects", r -> {
            ArrayNode answer = JSON.createArrayNode();
            registry.versionsOfId(schemaById(r.param(0)).id(), r.flag("deleted")).stream()
                    .map(SchemaVersion::subject).distinct().forEach(answer::add);
            return answer;
        });

        get("subjects", r -> strings(registry.subjects(r.flag("deleted"))));
        route("POST", "subjects/*", r -> versionJson(registry.lookup(r.param(0), r.candidate(), r.flag("deleted"))));
        route("DELETE", "subjects/*", r -> numbers(registry.deleteSubject(r.param(0), r.flag("permanent"))));
        get("subjects/*/versions", r -> numbers(registry.versions(r.param(0), r.flag("deleted"))));
        route("POST", "subjects/*/versions", r ->
                JSON.createObjectNode().put("id", registry.register(r.param(0), r.candidate())));
        get("subjects/*/versions/*", r -> versionJson(registry.version(r.param(0), r.param(1), r.flag("deleted"))));
        route("DELETE", "subjects/*/versions/*", r ->
                JSON.getNodeFactory().numberNode(registry.deleteVersion(r.param(0), r.param(1), r.flag("permanent"))));
        get("subjects/*/versions/*/schema", r ->
                JSON.readTree(registry.version(r.param(0), r.param(1), r.flag("deleted")).schema()));
        get("subjects/*/versions/*/referencedby", r -> {
            registry.version(r.param(0), r.param(1), true);
            return JSON.createArrayNode(); // references are not supported, so nothing refers to anything
        });

        route("POST", "compatibility/subjects/*/versions/*", r -> compatibility(r, r.param(1)));
        route("POST", "compatibility/subjects/*/versions", r -> compatibility(r, null));

        get("config", r -> levelJson("compatibilityLevel", registry.globalLevel()));
        route("PUT", "config", r -> levelJson("compatibility", registry.setGlobalLevel(r.level())));
        route("DELETE", "config", r -> levelJson("compatibilityLevel", registry.deleteGlobalLevel()));
        get("config/*", r -> levelJson("compatibilityLevel", registry.subjectLevel(r.param(0), r.flag("defaultToGlobal"))));
        route("PUT", "config/*", r -> levelJson("compatibility", registry.setSubjectLevel(r.param(0), r.level())));
        route("DELETE", "config/*", r -> levelJson("compatibilityLevel", registry.deleteSubjectLevel(r.param(0))));

        // Clients ask before writing; this registry only ever runs read-write.
        get("mode", r -> JSON.createObjectNode().put("mode", "READWRITE"));
    }

    private JsonNode compatibility(Request r, String version) {
        List<String> violations = registry.compatibilityViolations(r.param(0), version, r.candidate());
        ObjectNode answer = JSON.createObjectNode().put("is_compatible", violations.isEmpty());
        if (r.flag("verbose")) {
            answer.set("messages", strings(violations));
        }
        return answer;
    }

    private StoredSchema schemaById(String id) {
        try {
            return registry.schemaById(Integer.parseInt(id));
        } catch (NumberFormatException e) {
            throw RegistryError.schemaNotFound("Schema " + id + " not found");
        }
    }

    private static ObjectNode versionJson(SchemaVersion v) {
        return JSON.createObjectNode()
                .put("subject", v.subject())
                .put("version", v.version())
                .put("id", v.id())
                .put("schema", v.schema());
    }

    private static ObjectNode levelJson(String field, Compatibility level) {
        return JSON.createObjectNode().put(field, level.name());
    }

    private static ArrayNode strings(List<String> values) {
        ArrayNode array = JSON.createArrayNode();
        values.forEach(array::add);
        return array;
    }

    private static ArrayNode numbers(List<Integer> values) {
        ArrayNode array = JSON.createArrayNode();
        values.forEach(array::add);
        return array;
    }

    private void get(String template, Handler handler) {
        route("GET", template, handler);
    }

    private void route(String method, String template, Handler handler) {
        routes.add(new Route(method, template.isEmpty() ? new String[0] : template.split("/"), handler));
    }

    private void handle(HttpExchange exchange) {
        int status;
        String body;
        try {
            JsonNode answer = dispatch(exchange);
            status = 200;
            body = answer.toString();
        } catch (RegistryError e) {
            status = e.httpStatus();
            body = errorJson(e.errorCode(), e.getMessage());
            if (status >= 500) {
                LOG.warn("{} {} failed: {}", exchange.getRequestMethod(), exchange.getRequestURI(), e.getMessage(), e);
            }
        } catch (RuntimeException | IOException e) {
            LOG.error("{} {} failed", exchange.getRequestMethod(), exchange.getRequestURI(), e);
            status = 500;
            body = errorJson(50001, "Error in the backend data store: " + e);
        }
        LOG.debug("{} {} -> {}", exchange.getRequestMethod(), exchange.getRequestURI(), status);
        try (exchange) {
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", CONTENT_TYPE);
            exchange.sendResponseHeaders(status, bytes.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        } catch (IOException e) {
            LOG.debug("client went away before the answer to {}: {}", exchange.getRequestURI(), e.toString());
        }
    }

    private JsonNode dispatch(HttpExchange exchange) throws IOException {
        String method = exchange.getRequestMethod();
        List<String> segments = new ArrayList<>();
        for (String raw : exchange.getRequestURI().getRawPath().split("/")) {
            if (!raw.isEmpty()) {
                segments.add(decode(raw));
            }
        }
        boolean pathKnown = false;
        for (Route route : routes) {
            List<String> params = route.match(segments);
            if (params == null) {
                continue;
            }
            pathKnown = true;
            if (route.method.equals(method)) {
                byte[] body = exchange.getRequestBody().readAllBytes();
                return route.handler.handle(new Request(params, query(exchange.getRequestURI().getRawQuery()), body));
            }
        }
        if (pathKnown) {
            throw RegistryError.methodNotAllowed(method, exchange.getRequestURI().getPath());
        }
        throw RegistryError.notFound("HTTP 404 Not Found: " + method + " " + exchange.getRequestURI().getPath());
    }

    private static Map<String, String> query(String rawQuery) {
        Map<String, String> query = new HashMap<>();
        if (rawQuery == null || rawQuery.isEmpty()) {
            return query;
        }
        for (String pair : rawQuery.split("&")) {
            int eq = pair.indexOf('=');
            String name = decodeQuery(eq < 0 ? pair : pair.substring(0, eq));
            query.putIfAbsent(name, eq < 0 ? "" : decodeQuery(pair.substring(eq + 1)));
        }
        return query;
    }

    /** A path segment: '+' is a plus there, only a query turns it into a space. */
    private static String decode(String segment) {
        return URLDecoder.decode(segment.replace("+", "%2B"), StandardCharsets.UTF_8);
    }

    private static String decodeQuery(String part) {
        return URLDecoder.decode(part, StandardCharsets.UTF_8);
    }

    private static String errorJson(int code, String message) {
        return JSON.createObjectNode().put("error_code", code).put("message", message).toString();
    }

    @FunctionalInterface
    private interface Handler {
        JsonNode handle(Request request) throws IOException;
    }

    /** A path template whose {@code *} segments match one segment each. */
    private record Route(String method, String[] template, Handler handler) {
        List<String> match(List<String> segments) {
            if (segments.size() != template.length) {
                return null;
            }
            List<String> params = new ArrayList<>();
            for (int i = 0; i < template.length; i++) {
                if (template[i].equals("*")) {
                    params.add(segments.get(i));
                } else if (!template[i].equals(segments.get(i))) {
                    return null;
                }
            }
            return params;
        }
    }

    private record Request(List<String> params, Map<String, String> query, byte[] body) {
        String param(int index) {
            return params.get(index);
        }

        boolean flag(String name) {
            return "true".equalsIgnoreCase(query.get(name));
        }

        JsonNode json() {
            if (body.length == 0) {
                throw RegistryError.badRequest("the request needs a JSON body");
            }
            try {
                JsonNode node = JSON.readTree(body);
                if (node == null || !node.isObject()) {
                    throw RegistryError.badRequest("the request body must be a JSON object");
                }
                return node;
            } catch (JsonProcessingException e) {
                throw RegistryError.badRequest("the request body is not JSON: " + e.getOriginalMessage());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        /** The schema of a {@code {"schema", "schemaType"?, "references"?}} body, parsed. */
        Registry.Candidate candidate() {
            JsonNode json = json();
            JsonNode references = json.path("references");
            return Registry.parse(
                    json.path("schema").isTextual() ? json.get("schema").asText() : null,
                    json.hasNonNull("schemaType") ? json.get("schemaType").asText() : null,
                    references.isArray() && !references.isEmpty());
        }

        /** The level of a {@code {"compatibility": level}} body (Confluent's older clients say compatibilityLevel). */
        Compatibility level() {
            JsonNode json = json();
            JsonNode level = json.hasNonNull("compatibility") ? json.get("compatibility") : json.get("compatibilityLevel");
            return Compatibility.parse(level == null || level.isNull() ? null : level.asText());
        }
    }
}
