package io.matchstream.index;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.matchstream.index.http.ApiError;
import io.matchstream.index.http.Tokens;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A recommendation across all shards. The shard owning the user builds the query (this instance or, found
 * by asking the peers, another); every shard searches its own profiles with it; the union is re-ranked
 * here. Each shard returns {@code limit * overfetch} candidates, so the merged pool holds {@code limit}
 * whenever that many qualify anywhere, and MMR has room to diversify. A peer that does not answer makes
 * the answer partial (flagged), never an error.
 */
public final class RecommendationService {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration PEER_TIMEOUT = Duration.ofSeconds(3);
    private static final Duration PEER_TOKEN_TTL = Duration.ofMinutes(5);

    private final IndexServiceConfig config;
    private final Shard shard;
    private final Recommender recommender;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private volatile String peerToken;
    private volatile long peerTokenRenewAt;

    /** The answer: best first, and whether every shard took part. */
    public record Answer(String userId, String modelVersion, List<Recommendation> recommendations, boolean partial) {}

    public RecommendationService(IndexServiceConfig config, Shard shard) {
        this.config = config;
        this.shard = shard;
        this.recommender = new Recommender(config.weights());
    }

    public Answer recommend(String userId, int limit, long asOfMillis) {
        int k = candidatesPerShard(limit);
        boolean partial = false;
        Optional<RecommendationQuery> query = shard.queryFor(userId, k, asOfMillis);
        if (query.isEmpty()) {
            List<CompletableFuture<HttpResponse<String>>> asks = new ArrayList<>();
            for (String peer : config.peers()) {
                asks.add(send(HttpRequest.newBuilder(URI.create(peer + "/internal/v1/users/"
                        + URLEncoder.encode(userId, StandardCharsets.UTF_8).replace("+", "%20") + "/query?k=" + k + "&asOf=" + asOfMillis)).GET()));
            }
            for (CompletableFuture<HttpResponse<String>> ask : asks) {
                HttpResponse<String> r = await(ask);
                if (r == null) {
                    partial = true;
                } else if (r.statusCode() == 200 && query.isEmpty()) {
                    query = Optional.ofNullable(read(r.body(), new TypeReference<RecommendationQuery>() {}));
                    partial |= query.isEmpty();
                } else if (r.statusCode() != 404) {
                    partial = true;
                }
            }
        }
        if (query.isEmpty()) {
            throw new ApiError(partial ? 503 : 404, partial ? "shard_unavailable" : "unknown_user", partial
                    ? "user " + userId + " is not on any reachable shard; try again"
                    : "user " + userId + " has no profile with an embedding yet");
        }
        RecommendationQuery q = query.get();
        List<CompletableFuture<HttpResponse<String>>> searches = new ArrayList<>();
        String body = config.peers().isEmpty() ? null : write(q);
        for (String peer : config.peers()) {
            searches.add(send(HttpRequest.newBuilder(URI.create(peer + "/internal/v1/search"))
                    .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body))));
        }
        List<Candidate> pool = new ArrayList<>(shard.search(q));
        for (CompletableFuture<HttpResponse<String>> search : searches) {
            HttpResponse<String> r = await(search);
            List<Candidate> candidates = r == null || r.statusCode() != 200 ? null : read(r.body(), new TypeReference<List<Candidate>>() {});
            if (candidates == null) {
                partial = true;
            } else {
                pool.addAll(candidates);
            }
        }
        return new Answer(userId, q.modelVersion(), recommender.rerank(pool, limit), partial);
    }

    /** How many candidates each shard returns for an answer of {@code limit}: the over-fetch leaves MMR room. */
    int candidatesPerShard(int limit) {
        return Math.max(limit, limit * config.overfetch());
    }

    private CompletableFuture<HttpResponse<String>> send(HttpRequest.Builder request) {
        return http.sendAsync(request.timeout(PEER_TIMEOUT).header("Authorization", "Bearer " + peerToken()).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** The response, or null when the peer is down or slow. */
    private static HttpResponse<String> await(CompletableFuture<HttpResponse<String>> f) {
        try {
            return f.get(PEER_TIMEOUT.toMillis() + 500, TimeUnit.MILLISECONDS);
        } catch (ExecutionException | TimeoutException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    private String peerToken() {
        long now = System.currentTimeMillis();
        if (peerToken == null || now >= peerTokenRenewAt) {
            peerToken = Tokens.hs256(config.peerSecret(), config.jwtIssuer(), "peer:" + config.instanceId(), "peer", PEER_TOKEN_TTL);
            peerTokenRenewAt = now + PEER_TOKEN_TTL.toMillis() / 2;
        }
        return peerToken;
    }

    private static String write(Object value) {
        try {
            return JSON.writeValueAsString(value);
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The peer's answer, or null when it is unreadable (then the answer is partial, as for a peer that is down). */
    private static <T> T read(String body, TypeReference<T> type) {
        try {
            return JSON.readValue(body, type);
        } catch (java.io.IOException e) {
            return null;
        }
    }
}
