package io.matchstream.index;

import static io.matchstream.index.Events.T0;
import static io.matchstream.index.Events.embedding;
import static io.matchstream.index.Events.straight;
import static io.matchstream.index.Events.unit;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.SignedJWT;
import io.matchstream.events.Gender;
import io.matchstream.index.http.QueryServer;
import io.matchstream.index.http.Tokens;
import io.matchstream.index.store.AttributeStore;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The HTTP API over a real socket: JWT cases, the rate limit, errors, metrics and the OpenAPI document. */
class QueryServerTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final String SECRET = IndexServiceConfig.DEV_JWT_SECRET;
    static final String ISSUER = IndexServiceConfig.DEV_JWT_ISSUER;
    static final HttpClient HTTP = HttpClient.newHttpClient();

    @TempDir
    static Path dir;
    static Shard shard;
    static QueryServer server;
    static KeyPair rsa;
    static String base;

    @BeforeAll
    static void start() throws Exception {
        rsa = KeyPairGenerator.getInstance("RSA").generateKeyPair();
        Path pem = dir.resolve("jwt.pem");
        Files.writeString(pem, "-----BEGIN PUBLIC KEY-----\n"
                + Base64.getMimeEncoder().encodeToString(rsa.getPublic().getEncoded()) + "\n-----END PUBLIC KEY-----\n");
        IndexServiceConfig config = IndexServiceConfig.defaultsConfig().with(Map.of(
                "http-port", "0", "rate-limit-per-minute", "5", "jwt-rs256-public-key", pem.toString()));
        shard = new Shard(AttributeStore.open(dir.resolve("db")), Map.of(), IndexFactory.forType("exact"), config.weights());
        for (String user : new String[] {"alice", "eve"}) {
            shard.applyAttributes(user, straight(user, Gender.F, 0), 0, T0.toEpochMilli());
            shard.applyEmbedding(embedding(user, "v1", unit(1, 0, 0), T0));
        }
        shard.applyAttributes("bob", straight("bob", Gender.M, 0), 0, T0.toEpochMilli());
        shard.applyEmbedding(embedding("bob", "v1", unit(1, 0.2f, 0), T0));
        server = new QueryServer(config, shard, new RecommendationService(config, shard), new Metrics(), QueryServer.SinkStatus.READY, Clock.systemUTC()).start();
        base = "http://localhost:" + server.port();
    }

    @AfterAll
    static void stop() {
        server.close();
        shard.close();
    }

    static HttpResponse<String> get(String path, String token) throws Exception {
        HttpRequest.Builder r = HttpRequest.newBuilder(URI.create(base + path));
        if (token != null) {
            r.header("Authorization", "Bearer " + token);
        }
        return HTTP.send(r.build(), HttpResponse.BodyHandlers.ofString());
    }

    static String token(String user, String scope) {
        return Tokens.hs256(SECRET, ISSUER, user, scope, Duration.ofMinutes(5));
    }

    static String error(HttpResponse<String> r) throws Exception {
        return JSON.readTree(r.body()).get("error").asText();
    }

    @Test
    void aUserReadsTheirOwnRecommendations() throws Exception {
        HttpResponse<String> r = get("/v1/users/alice/recommendations?limit=5", token("alice", null));
        assertThat(r.statusCode()).isEqualTo(200);
        JsonNode body = JSON.readTree(r.body());
        assertThat(body.get("recommendations")).hasSize(1);
        JsonNode bob = body.get("recommendations").get(0);
        assertThat(bob.get("userId").asText()).isEqualTo("bob");
        assertThat(bob.get("breakdown").get("similarity").asDouble()).isBetween(0.9, 1.0);
        assertThat(r.body()).doesNotContain("vector").doesNotContain("embedding").doesNotContain("photo");
    }

    @Test
    void missingMalformedExpiredForgedAndUnsignedTokensAreRefused() throws Exception {
        HttpResponse<String> missing = get("/v1/users/eve/recommendations", null);
        assertThat(missing.statusCode()).isEqualTo(401);
        assertThat(error(missing)).isEqualTo("missing_token");
        assertThat(missing.headers().firstValue("WWW-Authenticate")).isPresent();

        assertThat(get("/v1/users/eve/recommendations", "not-a-jwt").statusCode()).isEqualTo(401);

        HttpResponse<String> expired = get("/v1/users/eve/recommendations", Tokens.hs256(SECRET, ISSUER, "eve", null, Duration.ofMinutes(-10)));
        assertThat(expired.statusCode()).isEqualTo(401);
        assertThat(error(expired)).isEqualTo("token_expired");

        String forged = Tokens.hs256("another-secret-that-is-at-least-32-bytes-long", ISSUER, "eve", null, Duration.ofMinutes(5));
        HttpResponse<String> wrongSignature = get("/v1/users/eve/recommendations", forged);
        assertThat(wrongSignature.statusCode()).isEqualTo(401);
        assertThat(JSON.readTree(wrongSignature.body()).get("message").asText()).contains("signature");

        assertThat(get("/v1/users/eve/recommendations", Tokens.hs256(SECRET, "someone-else", "eve", null, Duration.ofMinutes(5))).statusCode())
                .isEqualTo(401);

        String none = new PlainJWT(new JWTClaimsSet.Builder().issuer(ISSUER).subject("eve").claim("scope", "admin")
                .expirationTime(Date.from(Instant.now().plusSeconds(300))).build()).serialize();
        HttpResponse<String> unsigned = get("/v1/users/eve/recommendations", none);
        assertThat(unsigned.statusCode()).isEqualTo(401);
        assertThat(JSON.readTree(unsigned.body()).get("message").asText()).contains("alg none");
    }

    @Test
    void rs256TokensFromTheConfiguredKeyAreAccepted() throws Exception {
        SignedJWT jwt = new SignedJWT(new JWSHeader(JWSAlgorithm.RS256), new JWTClaimsSet.Builder().issuer(ISSUER).subject("eve")
                .expirationTime(Date.from(Instant.now().plusSeconds(300))).build());
        jwt.sign(new RSASSASigner(rsa.getPrivate()));
        assertThat(get("/v1/users/eve/recommendations", jwt.serialize()).statusCode()).isEqualTo(200);

        KeyPair other = KeyPairGenerator.getInstance("RSA").generateKeyPair();
        SignedJWT foreign = new SignedJWT(new JWSHeader(JWSAlgorithm.RS256), jwt.getJWTClaimsSet());
        foreign.sign(new RSASSASigner(other.getPrivate()));
        assertThat(get("/v1/users/eve/recommendations", foreign.serialize()).statusCode()).isEqualTo(401);
    }

    @Test
    void anotherUsersRecommendationsNeedTheAdminScope() throws Exception {
        HttpResponse<String> other = get("/v1/users/alice/recommendations", token("mallory", null));
        assertThat(other.statusCode()).isEqualTo(403);
        assertThat(error(other)).isEqualTo("forbidden");
        assertThat(get("/v1/users/alice/recommendations", token("ops", "read admin")).statusCode()).isEqualTo(200);
        // A user's token cannot call the instances' internal endpoints either.
        assertThat(get("/internal/v1/users/alice/query", token("alice", null)).statusCode()).isEqualTo(401);
        assertThat(get("/internal/v1/users/alice/query", token("alice", "admin")).statusCode()).isEqualTo(401);
    }

    @Test
    void theSixthRequestInAMinuteIsRateLimited() throws Exception {
        String t = token("rate-limited-user", "admin");
        for (int i = 0; i < 5; i++) {
            assertThat(get("/v1/users/alice/recommendations", t).statusCode()).isEqualTo(200);
        }
        HttpResponse<String> sixth = get("/v1/users/alice/recommendations", t);
        assertThat(sixth.statusCode()).isEqualTo(429);
        assertThat(error(sixth)).isEqualTo("rate_limited");
        assertThat(Long.parseLong(sixth.headers().firstValue("Retry-After").orElseThrow())).isBetween(1L, 60L);
        // Others are not affected.
        assertThat(get("/v1/users/alice/recommendations", token("alice", null)).statusCode()).isEqualTo(200);
    }

    @Test
    void badInputGetsClearErrors() throws Exception {
        assertThat(error(get("/v1/users/eve/recommendations?limit=0", token("eve", null)))).isEqualTo("bad_limit");
        assertThat(error(get("/v1/users/eve/recommendations?limit=ten", token("eve", null)))).isEqualTo("bad_parameter");
        HttpResponse<String> unknown = get("/v1/users/nobody/recommendations", token("nobody", null));
        assertThat(unknown.statusCode()).isEqualTo(404);
        assertThat(error(unknown)).isEqualTo("unknown_user");
        assertThat(get("/nothing", null).statusCode()).isEqualTo(404);
    }

    @Test
    void metricsHealthAndTheOpenApiDocumentAreServed() throws Exception {
        get("/v1/users/alice/recommendations", token("alice", null));
        String metrics = get("/metrics", null).body();
        assertThat(metrics).contains("matchstream_query_latency_seconds_bucket{le=\"0.005\"}")
                .contains("matchstream_http_requests_total{route=\"recommendations\",status=\"200\"}");
        assertThat(get("/health", null).statusCode()).isEqualTo(200);
        assertThat(get("/ready", null).statusCode()).isEqualTo(200);
        JsonNode openApi = JSON.readTree(get("/openapi.json", null).body());
        assertThat(openApi.get("paths").has("/v1/users/{id}/recommendations")).isTrue();
    }
}
