package io.matchstream.index.http;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.StreamWriteFeature;
import com.fasterxml.jackson.core.util.ByteArrayBuilder;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.matchstream.index.Candidate;
import io.matchstream.index.IndexServiceConfig;
import io.matchstream.index.Metrics;
import io.matchstream.index.Recommendation;
import io.matchstream.index.RecommendationQuery;
import io.matchstream.index.RecommendationService;
import io.matchstream.index.Shard;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Semaphore;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP face of one instance (HTTP/1.1, JSON): the public recommendations endpoint behind JWT and a
 * per-user rate limit, the OpenAPI document, {@code /metrics}, {@code /health}, {@code /ready}, and the two
 * internal endpoints the instances fan out to, which accept only peer tokens. Each request is answered on
 * its connection's thread ({@link ConnectionServer}); at most {@code http-threads} recommendations are
 * computed at once. The internal endpoints do not wait for that slot: a recommendation holding one waits
 * for its peers' searches, and two instances waiting for each other's slots would stall.
 */
public final class QueryServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(QueryServer.class);
    /** Doubles written by Jackson's shortest-representation writer, several times faster than Double.toString. */
    private static final ObjectMapper JSON = JsonMapper.builder().enable(StreamWriteFeature.USE_FAST_DOUBLE_WRITER).build();
    private static final Pattern RECOMMENDATIONS = Pattern.compile("/v1/users/([^/]+)/recommendations");
    private static final Pattern PEER_QUERY = Pattern.compile("/internal/v1/users/([^/]+)/query");
    private static final int DEFAULT_LIMIT = 10;

    /** What /health and /ready report about the sink. */
    public interface SinkStatus {
        /** A sink that is always healthy and caught up: for a shard filled in-process (benchmarks, tests). */
        SinkStatus READY = new SinkStatus() {
            @Override
            public boolean healthy() {
                return true;
            }

            @Override
            public boolean caughtUp() {
                return true;
            }

            @Override
            public Map<String, Object> details() {
                return Map.of();
            }
        };

        boolean healthy();

        boolean caughtUp();

        Map<String, Object> details();
    }

    private final IndexServiceConfig config;
    private final Shard shard;
    private final RecommendationService recommendations;
    private final Authenticator users;
    private final Authenticator peers;
    private final RateLimiter rateLimiter;
    private final Metrics metrics;
    private final SinkStatus sink;
    private final ConnectionServer server;
    private final Semaphore computing;
    private final byte[] openApi;

    public QueryServer(IndexServiceConfig config, Shard shard, RecommendationService recommendations, Metrics metrics,
            SinkStatus sink, Clock clock) {
        this.config = config;
        this.shard = shard;
        this.recommendations = recommendations;
        this.metrics = metrics;
        this.sink = sink;
        this.users = new Authenticator(config.jwtIssuer(), config.jwtHs256Secret(),
                config.jwtRs256PublicKey() == null ? null : Authenticator.readPublicKey(config.jwtRs256PublicKey()), clock);
        this.peers = new Authenticator(config.jwtIssuer(), config.peerSecret(), null, clock);
        this.rateLimiter = new RateLimiter(config.rateLimitPerMinute(), clock::millis);
        try (InputStream in = QueryServer.class.getResourceAsStream("openapi.json")) {
            this.openApi = in.readAllBytes();
            this.server = new ConnectionServer(new InetSocketAddress(config.httpPort()), 128, "query-http", this::handle);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the query service on port " + config.httpPort(), e);
        }
        this.computing = new Semaphore(config.httpThreads());
    }

    public QueryServer start() {
        server.start();
        return this;
    }

    public int port() {
        return server.port();
    }

    private void handle(ConnectionServer.Exchange exchange) {
        String path = exchange.rawPath();
        String route = "other";
        long started = System.nanoTime();
        int status;
        try {
            Matcher m;
            if ((m = RECOMMENDATIONS.matcher(path)).matches()) {
                route = "recommendations";
                requireMethod(exchange, "GET");
                status = recommendationsInTurn(exchange, decode(m.group(1)));
            } else if ((m = PEER_QUERY.matcher(path)).matches()) {
                route = "internal_query";
                requireMethod(exchange, "GET");
                status = peerQuery(exchange, decode(m.group(1)));
            } else if (path.equals("/internal/v1/search")) {
                route = "internal_search";
                requireMethod(exchange, "POST");
                status = peerSearch(exchange);
            } else if (path.equals("/openapi.json")) {
                route = "openapi";
                status = send(exchange, 200, "application/json", openApi);
            } else if (path.equals("/metrics")) {
                route = "metrics";
                status = send(exchange, 200, "text/plain; version=0.0.4; charset=utf-8", metrics.render().getBytes(StandardCharsets.UTF_8));
            } else if (path.equals("/health")) {
                route = "health";
                ObjectNode body = JSON.createObjectNode();
                body.put("status", sink.healthy() ? "up" : "down");
                body.put("instance", config.instanceId());
                body.set("sink", JSON.valueToTree(sink.details()));
                body.set("indexes", JSON.valueToTree(shard.indexSizes()));
                body.put("profiles", shard.profileCount());
                status = sendJson(exchange, sink.healthy() ? 200 : 503, body);
            } else if (path.equals("/ready")) {
                route = "ready";
                boolean ready = sink.healthy() && sink.caughtUp();
                status = sendJson(exchange, ready ? 200 : 503, JSON.createObjectNode().put("ready", ready));
            } else {
                throw new ApiError(404, "not_found", "no endpoint " + path + " (see /openapi.json)");
            }
        } catch (ApiError e) {
            status = error(exchange, e);
        } catch (RuntimeException e) {
            LOG.error("request {} failed", path, e);
            status = error(exchange, new ApiError(500, "internal_error", "the request failed inside the service"));
        }
        if (route.equals("recommendations")) {
            metrics.observeQuerySeconds((System.nanoTime() - started) / 1e9);
        }
        metrics.increment("matchstream_http_requests_total", "HTTP requests by endpoint and status.",
                "route=\"" + route + "\",status=\"" + status + "\"");
    }

    private int recommendationsInTurn(ConnectionServer.Exchange exchange, String userId) {
        computing.acquireUninterruptibly();
        try {
            return recommendations(exchange, userId);
        } finally {
            computing.release();
        }
    }

    private int recommendations(ConnectionServer.Exchange exchange, String userId) throws ApiError {
        Authenticator.Caller caller = users.authenticate(exchange.header("Authorization"));
        if (!caller.admin() && !caller.subject().equals(userId)) {
            throw new ApiError(403, "forbidden", "a token for " + caller.subject() + " reads only its own recommendations");
        }
        long wait = rateLimiter.acquire(caller.subject());
        if (wait > 0) {
            exchange.responseHeader("Retry-After", Long.toString((wait + 999) / 1000));
            throw new ApiError(429, "rate_limited", "more than " + config.rateLimitPerMinute() + " requests in a minute; retry after "
                    + ((wait + 999) / 1000) + " s");
        }
        Map<String, String> params = query(exchange);
        int limit = intParam(params, "limit", DEFAULT_LIMIT);
        if (limit < 1 || limit > config.maxLimit()) {
            throw new ApiError(400, "bad_limit", "limit must lie in 1.." + config.maxLimit());
        }
        long asOf = longParam(params, "asOf", System.currentTimeMillis());
        RecommendationService.Answer answer = recommendations.recommend(userId, limit, asOf);
        return send(exchange, 200, "application/json", answerJson(answer, limit, asOf));
    }

    /** The answer's JSON, streamed (no tree of nodes per request). */
    private static byte[] answerJson(RecommendationService.Answer answer, int limit, long asOf) {
        ByteArrayBuilder bytes = new ByteArrayBuilder(1024);
        try (JsonGenerator out = JSON.createGenerator(bytes)) {
            out.writeStartObject();
            out.writeStringField("userId", answer.userId());
            out.writeStringField("modelVersion", answer.modelVersion());
            out.writeNumberField("limit", limit);
            out.writeNumberField("asOf", asOf);
            out.writeBooleanField("partial", answer.partial());
            out.writeArrayFieldStart("recommendations");
            for (Recommendation r : answer.recommendations()) {
                out.writeStartObject();
                out.writeStringField("userId", r.userId());
                out.writeNumberField("score", r.score());
                out.writeObjectFieldStart("breakdown");
                out.writeNumberField("relevance", r.relevance());
                out.writeNumberField("similarity", r.similarity());
                out.writeNumberField("reciprocal", r.reciprocal());
                out.writeNumberField("recency", r.recency());
                out.writeNumberField("diversityPenalty", r.diversityPenalty());
                out.writeEndObject();
                out.writeEndObject();
            }
            out.writeEndArray();
            out.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    private int peerQuery(ConnectionServer.Exchange exchange, String userId) {
        requirePeer(exchange);
        Map<String, String> params = query(exchange);
        int k = intParam(params, "k", DEFAULT_LIMIT);
        long asOf = longParam(params, "asOf", System.currentTimeMillis());
        return shard.queryFor(userId, k, asOf)
                .map(q -> sendJson(exchange, 200, JSON.valueToTree(q)))
                .orElseThrow(() -> new ApiError(404, "unknown_user", "user " + userId + " is not on this shard"));
    }

    private int peerSearch(ConnectionServer.Exchange exchange) {
        requirePeer(exchange);
        RecommendationQuery q;
        try {
            q = JSON.readValue(exchange.body(), RecommendationQuery.class);
        } catch (IOException e) {
            throw new ApiError(400, "bad_query", "the body is not a RecommendationQuery: " + e.getMessage());
        }
        List<Candidate> candidates = shard.search(q);
        return sendJson(exchange, 200, JSON.valueToTree(candidates));
    }

    private void requirePeer(ConnectionServer.Exchange exchange) {
        Authenticator.Caller caller = peers.authenticate(exchange.header("Authorization"));
        if (!caller.has("peer")) {
            throw new ApiError(403, "forbidden", "internal endpoints answer other instances only");
        }
    }

    private static void requireMethod(ConnectionServer.Exchange exchange, String method) {
        if (!exchange.method().equals(method)) {
            exchange.responseHeader("Allow", method);
            throw new ApiError(405, "method_not_allowed", "use " + method);
        }
    }

    private static Map<String, String> query(ConnectionServer.Exchange exchange) {
        Map<String, String> out = new HashMap<>();
        String raw = exchange.rawQuery();
        if (raw != null) {
            for (String pair : raw.split("&")) {
                int eq = pair.indexOf('=');
                if (eq > 0) {
                    out.put(decode(pair.substring(0, eq)), decode(pair.substring(eq + 1)));
                }
            }
        }
        return out;
    }

    private static int intParam(Map<String, String> params, String name, int fallback) {
        return (int) longParam(params, name, fallback);
    }

    private static long longParam(Map<String, String> params, String name, long fallback) {
        String v = params.get(name);
        if (v == null) {
            return fallback;
        }
        try {
            return Long.parseLong(v);
        } catch (NumberFormatException e) {
            throw new ApiError(400, "bad_parameter", name + " must be an integer, got '" + v + "'");
        }
    }

    private static String decode(String s) {
        return URLDecoder.decode(s, StandardCharsets.UTF_8);
    }

    private static int error(ConnectionServer.Exchange exchange, ApiError e) {
        if (e.status() == 401) {
            exchange.responseHeader("WWW-Authenticate", "Bearer error=\"" + ("missing_token".equals(e.code()) ? "invalid_request" : "invalid_token") + "\"");
        }
        return sendJson(exchange, e.status(), JSON.createObjectNode().put("error", e.code()).put("message", e.getMessage()));
    }

    private static int sendJson(ConnectionServer.Exchange exchange, int status, Object body) {
        try {
            return send(exchange, status, "application/json", JSON.writeValueAsBytes(body));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static int send(ConnectionServer.Exchange exchange, int status, String contentType, byte[] body) {
        exchange.respond(status, contentType, body);
        return status;
    }

    @Override
    public void close() {
        server.close();
    }
}
