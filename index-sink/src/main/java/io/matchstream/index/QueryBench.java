package io.matchstream.index;

import io.matchstream.events.Gender;
import io.matchstream.events.PreferenceUpdate;
import io.matchstream.events.ProfileAttributes;
import io.matchstream.events.ProfileEmbedding;
import io.matchstream.events.Swipe;
import io.matchstream.events.SwipeAction;
import io.matchstream.index.http.QueryServer;
import io.matchstream.index.http.Tokens;
import io.matchstream.index.store.AttributeStore;
import io.matchstream.index.vector.FilterAwareIndex;
import io.matchstream.index.vector.VectorIndex;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Recommendation latency on synthetic profiles (clustered 512-d faces, random genders, ages, ranges and
 * places in a 1 x 1 degree region, 30 swipes per asking user): the shard's search plus re-rank in-process
 * (baseline) against the same query through HTTP with JWT, rate limit and JSON, single-threaded.
 * {@code ./matchstream bench query [profiles 200000] [queries 2000] [index-type faiss] [--state DIR]} runs it on the
 * index sink's own classpath (its RocksDB must not meet Flink's frocksdb in the bench module).
 */
public final class QueryBench {
    public static void main(String[] args) throws Exception {
        List<String> positional = new java.util.ArrayList<>();
        Path state = null;
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--state") && i + 1 < args.length) {
                state = Path.of(args[++i]);
            } else if (args[i].startsWith("--state=")) {
                state = Path.of(args[i].substring("--state=".length()));
            } else {
                positional.add(args[i]);
            }
        }
        int profiles = positional.size() > 0 ? Integer.parseInt(positional.get(0)) : 200_000;
        int queries = positional.size() > 1 ? Integer.parseInt(positional.get(1)) : 2_000;
        String indexType = positional.size() > 2 ? positional.get(2) : "faiss";
        int dim = 512;
        // --state DIR keeps the built shard (store, index, askers) in DIR and reuses it on the next run with the
        // same arguments, so a change to the query path is timed without the build (minutes at 1M profiles).
        Path dir = state != null ? state.resolve(profiles + "-" + indexType) : Files.createTempDirectory("query-benchmark");
        boolean reuse = state != null && Files.exists(dir.resolve("ready"));
        if (state != null && !reuse && Files.exists(dir)) {
            deleteTree(dir); // a build that did not finish
        }
        Files.createDirectories(dir);
        IndexServiceConfig config = IndexServiceConfig.defaultsConfig().with(Map.of("http-port", "0", "index-type", indexType,
                "rate-limit-per-minute", "1000000", "http-threads", "2"));
        long buildStart = System.nanoTime();
        Instant t0 = Instant.parse("2026-01-01T00:00:00Z");
        VectorIndex index = reuse ? IndexFactory.forType(indexType).load(dir.resolve("index.bin"), dim)
                : IndexFactory.forType(indexType).create(dim);
        AttributeStore store = AttributeStore.open(dir.resolve("db"));
        try (Shard shard = new Shard(store, Map.of("v1", index), IndexFactory.forType(indexType), config.weights())) {
            String[] askers = reuse ? Files.readAllLines(dir.resolve("askers")).toArray(String[]::new) : build(shard, profiles, dim, t0);
            if (index instanceof FilterAwareIndex planned) {
                planned.faiss().awaitTraining(); // time the trained index, not exact scans while it trains
            }
            double buildSeconds = (System.nanoTime() - buildStart) / 1e9;
            // The bulk load leaves RocksDB a compaction backlog that a serving store works off once; time the
            // queries after it, as a store in steady state sees them.
            long settleStart = System.nanoTime();
            store.settle(600_000);
            System.out.printf("RocksDB compactions after the bulk load: %.1f s%n", (System.nanoTime() - settleStart) / 1e9);
            // What loading or building left for the collector (a loaded shard's million-entry maps, fresh) is
            // collected now, not by the concurrent collector on the second core during the first timed round.
            System.gc();
            Thread.sleep(5_000);
            if (state != null && !reuse) {
                index.save(dir.resolve("index.bin"));
                Files.write(dir.resolve("askers"), List.of(askers));
                Files.createFile(dir.resolve("ready"));
            }
            long asOf = t0.plusSeconds(86_400 * 7).toEpochMilli();
            RecommendationService service = new RecommendationService(config, shard);
            QueryServer server = new QueryServer(config, shard, service, new Metrics(), QueryServer.SinkStatus.READY, Clock.systemUTC()).start();
            HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
            String token = Tokens.hs256(config.jwtHs256Secret(), config.jwtIssuer(), "bench", "admin", Duration.ofHours(1));
            long[] inProcess = new long[queries];
            long[] overSocket = new long[queries];
            long[] inProcessWithJdk = new long[queries];
            long[] overHttp = new long[queries];
            long admitted = 0;
            // Two paths take turns query by query in each round, so a noisy moment on the shared cores (another
            // process, a GC cycle, a compaction) falls on both alike; each walks the askers from its own half of
            // the list, so neither finds the user's data warm from the other. Round 1: the in-process baseline and
            // the lean client, one blocking keep-alive socket, as a backend's pooled connection would be (what the
            // service adds). Round 2: the baseline and the JDK's HttpClient, whose selector thread goes on working
            // after send() returns, on the same two cores as the next query: a client that shares the service's
            // cores, in a round of its own so that it does not slow the other client's queries.
            int half = askers.length / 2;
            long[] healthOnly = new long[queries];
            try (KeepAliveClient client = new KeepAliveClient("localhost", server.port())) {
                // What a request costs with no work behind it: the client's and the server's thread each woken once.
                for (int q = -200; q < queries; q++) {
                    long start = System.nanoTime();
                    client.get("/health", "Bearer " + token);
                    if (q >= 0) {
                        healthOnly[q] = System.nanoTime() - start;
                    }
                }
                for (int q = -200; q < queries; q++) {
                    String user = askers[Math.floorMod(q, askers.length)];
                    long nanos = inProcessNanos(service, user, asOf);
                    long socketNanos = client.recommendationsNanos(askers[Math.floorMod(q + half, askers.length)], asOf, token);
                    if (q >= 0) {
                        inProcess[q] = nanos;
                        overSocket[q] = socketNanos;
                        admitted += shard.estimateAdmitted(shard.queryFor(user, 10, asOf).orElseThrow());
                    }
                }
            }
            for (int q = -200; q < queries; q++) {
                long nanos = inProcessNanos(service, askers[Math.floorMod(q, askers.length)], asOf);
                String user = askers[Math.floorMod(q + half, askers.length)];
                HttpRequest request = HttpRequest.newBuilder(URI.create("http://localhost:" + server.port() + "/v1/users/" + user
                        + "/recommendations?limit=10&asOf=" + asOf)).header("Authorization", "Bearer " + token).build();
                long start = System.nanoTime();
                HttpResponse<String> r = http.send(request, HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() != 200) {
                    throw new IllegalStateException(r.body());
                }
                if (q >= 0) {
                    overHttp[q] = System.nanoTime() - start;
                    inProcessWithJdk[q] = nanos;
                }
            }
            server.close();
            long[][] stages = stageRound(askers, queries, shard, store, index, service.candidatesPerShard(10), asOf);
            long[][] handoff = handoffRound(service, askers, queries, asOf);
            System.out.printf("%d profiles x %d-d (%s), %s in %.1f s; %d queries of 10, mean estimated admitted %.0f (%.2f%%)%n",
                    profiles, dim, indexType, reuse ? "loaded from " + dir : "built", buildSeconds, queries, admitted / (double) queries,
                    100.0 * admitted / queries / profiles);
            System.out.printf("%-62s %10s %10s%n", "path", "p50 ms", "p99 ms");
            row("round 0, GET /health over the keep-alive client (HTTP alone)", healthOnly);
            System.out.println("round 1, in-process and the keep-alive client taking turns:");
            row("in-process search + re-rank (baseline)", inProcess);
            row("HTTP (keep-alive socket client): JWT, rate limit, the same, JSON", overSocket);
            System.out.println("round 2, in-process and the JDK HttpClient taking turns:");
            row("in-process search + re-rank (baseline)", inProcessWithJdk);
            row("HTTP (JDK HttpClient): the same", overHttp);
            System.out.println("round 3, the in-process search's stages timed one by one, in the same order of askers:");
            String[] stageNames = {"build the query (profile, vectors, exclusions)", "filter (both sides, radius, exclusions)",
                    "index search (planned)", "candidates' embeddings (index)", "candidates' preferences (store)"};
            for (int s = 0; s < stageNames.length; s++) {
                row("  " + stageNames[s], stages[s]);
            }
            row("  the stages' sum", stages[stageNames.length]);
            System.out.println("  the slowest 1% of sums, mean ms a stage: " + slowestSplit(stages, stageNames.length));
            System.out.println("round 4, no HTTP: in-process, and the same work handed to a worker thread that waits between queries, taking turns:");
            row("in-process search + re-rank (baseline)", handoff[0]);
            row("handed to the worker and back (round trip)", handoff[1]);
            row("  the worker's own time", handoff[2]);
            row("  what the hand-off added (round trip - worker's time)", handoff[3]);
            System.out.printf("  hand-offs that added more than 1 ms: %d of %d%n", Arrays.stream(handoff[3]).filter(n -> n > 1_000_000).count(),
                    queries);
            if (index instanceof FilterAwareIndex planned) {
                long[] plans = planned.planCounts();
                System.out.printf("planner: %d exact, %d index, %d index-then-exact fallbacks%n", plans[0], plans[1], plans[2]);
            }
            long[] radius = store.radiusPlanCounts();
            System.out.printf("radius (filters built, warm-up included): %d checked for each candidate, %d narrowed by grid cell, "
                    + "%d left to the index%n", radius[0], radius[1], radius[2]);
            slowestAskers(askers, inProcess, shard, store, service, index, asOf);
        } finally {
            // The store of 1M profiles takes 2 GiB: not left behind in the temp folder (kept with --state).
            if (state == null) {
                deleteTree(dir);
            }
        }
    }

    /**
     * Fills the shard with {@code profiles} synthetic profiles (attributes, embeddings, every second one with a
     * preference update) and 200 askers with 30 swipes each; returns the askers. Deterministic (fixed seeds).
     */
    private static String[] build(Shard shard, int profiles, int dim, Instant t0) {
        Random random = new Random(42);
        Random preferenceRandom = new Random(43);
        float[][] centres = new float[64][];
        for (int c = 0; c < centres.length; c++) {
            centres[c] = randomUnit(random, dim);
        }
        for (int i = 0; i < profiles; i++) {
            String user = "u" + i;
            Gender g = random.nextInt(20) < 9 ? Gender.F : random.nextInt(11) < 10 ? Gender.M : Gender.X;
            List<Gender> seeking = random.nextInt(10) == 0 ? List.of(Gender.F, Gender.M, Gender.X)
                    : List.of(g == Gender.F ? Gender.M : Gender.F);
            int age = 18 + random.nextInt(43);
            ProfileAttributes p = new ProfileAttributes(user, g, seeking, age, 48 + random.nextDouble(), 2 + random.nextDouble(),
                    Math.max(18, age - 3 - random.nextInt(8)), age + 3 + random.nextInt(8), 10.0 + random.nextInt(90),
                    t0.plusSeconds(random.nextInt(86_400 * 7)));
            shard.applyAttributes(user, p, 0, p.getUpdatedAt().toEpochMilli());
            float[] v = centres[random.nextInt(centres.length)].clone();
            float[] noise = randomUnit(random, dim);
            for (int d = 0; d < dim; d++) {
                v[d] += 0.6f * noise[d];
            }
            float[] e = Vectors.unit(v);
            shard.applyEmbedding(new ProfileEmbedding(user, floats(e), "v1", "bench", null, false, "e-" + user, t0));
            if (i % 2 == 0) {
                // Half the profiles have swiped: a preference vector P (the mean of the faces they liked, near one
                // cluster) and the blended vector E = 0.7 E_base + 0.3 P, so queries use E and the re-rank reads
                // candidates' P for the reciprocal score, as in production. Its own random stream keeps the
                // profiles and askers those of the runs before.
                float[] pref = centres[preferenceRandom.nextInt(centres.length)].clone();
                float[] jitter = randomUnit(preferenceRandom, dim);
                for (int d = 0; d < dim; d++) {
                    pref[d] += 0.3f * jitter[d];
                }
                pref = Vectors.unit(pref);
                float[] blended = new float[dim];
                for (int d = 0; d < dim; d++) {
                    blended[d] = 0.7f * e[d] + 0.3f * pref[d];
                }
                shard.applyPreference(new PreferenceUpdate(user, floats(Vectors.unit(blended)), floats(pref), 5L, 5L, "v1", 1L, t0));
            }
        }
        String[] askers = new String[200];
        for (int a = 0; a < askers.length; a++) {
            askers[a] = "u" + random.nextInt(profiles);
            for (int s = 0; s < 30; s++) {
                String target = "u" + random.nextInt(profiles);
                shard.applySwipe(new Swipe("s-" + askers[a] + "-" + target, askers[a], target, SwipeAction.values()[random.nextInt(4)], t0));
            }
        }
        return askers;
    }

    private static void deleteTree(Path dir) throws java.io.IOException {
        try (java.util.stream.Stream<Path> files = Files.walk(dir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        }
    }

    /** A minimal HTTP/1.1 client on one persistent connection: GET, then read the status line, headers and a Content-Length body. */
    private static final class KeepAliveClient implements AutoCloseable {
        private final java.net.Socket socket;
        private final java.io.BufferedInputStream in;
        private final java.io.OutputStream out;
        private final String host;

        KeepAliveClient(String host, int port) throws java.io.IOException {
            this.host = host + ":" + port;
            this.socket = new java.net.Socket(host, port);
            socket.setTcpNoDelay(true);
            this.in = new java.io.BufferedInputStream(socket.getInputStream(), 1 << 16);
            this.out = socket.getOutputStream();
        }

        /** The time a {@code limit=10} recommendation for {@code user} takes over this connection (the answer checked after). */
        long recommendationsNanos(String user, long asOf, String token) throws java.io.IOException {
            long start = System.nanoTime();
            String body = get("/v1/users/" + user + "/recommendations?limit=10&asOf=" + asOf, "Bearer " + token);
            long nanos = System.nanoTime() - start;
            if (!body.contains("recommendations")) {
                throw new IllegalStateException(body);
            }
            return nanos;
        }

        String get(String path, String authorization) throws java.io.IOException {
            out.write(("GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\nAuthorization: " + authorization + "\r\n\r\n")
                    .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            out.flush();
            String status = line();
            if (!status.startsWith("HTTP/1.1 200")) {
                throw new IllegalStateException("unexpected response: " + status);
            }
            int length = -1;
            for (String header = line(); !header.isEmpty(); header = line()) {
                if (header.regionMatches(true, 0, "Content-Length:", 0, 15)) {
                    length = Integer.parseInt(header.substring(15).trim());
                }
            }
            if (length < 0) {
                throw new IllegalStateException("response without Content-Length");
            }
            return new String(in.readNBytes(length), java.nio.charset.StandardCharsets.UTF_8);
        }

        private String line() throws java.io.IOException {
            StringBuilder sb = new StringBuilder();
            for (int c = in.read(); c != '\n'; c = in.read()) {
                if (c < 0) {
                    throw new java.io.EOFException("connection closed");
                }
                if (c != '\r') {
                    sb.append((char) c);
                }
            }
            return sb.toString();
        }

        @Override
        public void close() throws java.io.IOException {
            socket.close();
        }
    }

    /**
     * Each asker is 1 / askers.length of the queries, so p99 is set by the two or three slowest askers rather
     * than by noise: their in-process median and what their filters admit.
     */
    private static void slowestAskers(String[] askers, long[] inProcess, Shard shard, AttributeStore store, RecommendationService service,
            VectorIndex index, long asOf) {
        Map<String, List<Long>> byAsker = new java.util.HashMap<>();
        for (int q = 0; q < inProcess.length; q++) {
            byAsker.computeIfAbsent(askers[q % askers.length], a -> new java.util.ArrayList<>()).add(inProcess[q]);
        }
        List<Map.Entry<String, Long>> medians = new java.util.ArrayList<>();
        byAsker.forEach((asker, nanos) -> medians.add(Map.entry(asker, nanos.stream().sorted().toList().get(nanos.size() / 2))));
        medians.sort(Map.Entry.<String, Long>comparingByValue().reversed());
        StringBuilder line = new StringBuilder("slowest askers (in-process median ms; admitted by gender and age / exactly; radius applied by):");
        String[] radiusPlans = {"each", "grid", "index"};
        for (Map.Entry<String, Long> e : medians.subList(0, Math.min(5, medians.size()))) {
            long[] before = store.radiusPlanCounts();
            service.recommend(e.getKey(), 10, asOf);
            long[] after = store.radiusPlanCounts();
            StringBuilder plans = new StringBuilder();
            for (int p = 0; p < after.length; p++) {
                plans.append(after[p] > before[p] ? (plans.isEmpty() ? "" : "+") + radiusPlans[p] : "");
            }
            RecommendationQuery q = shard.queryFor(e.getKey(), service.candidatesPerShard(10), asOf).orElseThrow();
            line.append(String.format(" %s %.2f (%d / %d; %s%s)", e.getKey(), e.getValue() / 1e6, shard.estimateAdmitted(q),
                    shard.admittedCount(q), plans, planTimes(shard, store, service, index, q, asOf)));
        }
        System.out.println(line);
    }

    /**
     * Where one asker's time goes (medians of 21 runs): the whole recommendation, building the query, the shard's
     * search, its filter, and for the planned Faiss index what each plan takes for that filter (exact scan against
     * the IVF pass the planner would size), so the planner's choice can be checked, and reading the candidates'
     * vectors for the re-rank (embeddings from the index, preference vectors from the store).
     */
    private static String planTimes(Shard shard, AttributeStore store, RecommendationService service, VectorIndex index,
            RecommendationQuery q, long asOf) {
        long[][] t = new long[11][21];
        VectorIndex.IdFilter exactFilter = shard.admittedFilter(q, true);
        for (int r = 0; r < 21; r++) {
            long start = System.nanoTime();
            service.recommend(q.userId(), 10, asOf);
            t[0][r] = System.nanoTime() - start;
            start = System.nanoTime();
            shard.queryFor(q.userId(), q.k(), asOf);
            t[1][r] = System.nanoTime() - start;
            start = System.nanoTime();
            shard.search(q);
            t[2][r] = System.nanoTime() - start;
            start = System.nanoTime();
            VectorIndex.IdFilter admitted = shard.admittedFilter(q);
            t[3][r] = System.nanoTime() - start;
            if (index instanceof FilterAwareIndex planned) {
                long count = Math.min(admitted.admittedCount(), planned.size());
                start = System.nanoTime();
                planned.scan(q.queryVector(), q.k(), admitted);
                t[4][r] = System.nanoTime() - start;
                start = System.nanoTime();
                planned.faiss().searchExact(q.queryVector(), q.k(), admitted);
                t[10][r] = System.nanoTime() - start;
                start = System.nanoTime();
                planned.faiss().searchIndexed(q.queryVector(), q.k(), admitted, planned.nprobe(count, planned.size()),
                        planned.refine(count, planned.size()));
                t[5][r] = System.nanoTime() - start;
                // The same IVF pass with the radius already in the bitmap (no lazy check per visited id), then
                // with a shortlist of k only (no deeper exact re-rank): what the radius checks and the refine cost.
                start = System.nanoTime();
                planned.faiss().searchIndexed(q.queryVector(), q.k(), exactFilter, planned.nprobe(count, planned.size()),
                        planned.refine(count, planned.size()));
                t[8][r] = System.nanoTime() - start;
                start = System.nanoTime();
                planned.faiss().searchIndexed(q.queryVector(), q.k(), admitted, planned.nprobe(count, planned.size()), 1);
                t[9][r] = System.nanoTime() - start;
            }
            VectorIndex.Hits hits = index.search(q.queryVector(), q.k(), admitted);
            start = System.nanoTime();
            index.vectors(hits.ids());
            t[6][r] = System.nanoTime() - start;
            start = System.nanoTime();
            store.preferenceVectors(hits.ids(), hits.size(), q.modelVersion());
            t[7][r] = System.nanoTime() - start;
        }
        return String.format("; all %.2f = query %.2f + search %.2f (filter %.2f; scan %.2f [float exact %.2f] or ivf %.2f [radius in "
                + "the bitmap %.2f, shortlist k %.2f]; candidates' embeddings %.2f and preferences %.2f) + re-rank",
                median(t[0]), median(t[1]), median(t[2]), median(t[3]), median(t[4]), median(t[10]), median(t[5]), median(t[8]),
                median(t[9]), median(t[6]), median(t[7]));
    }

    /**
     * What waking a thread costs on this machine, with no socket, parsing or JSON: the in-process query on this
     * thread, and another asker's handed to a worker thread blocked in a queue, which answers through another
     * queue (two wake-ups, as a request to a server thread and its answer to the client make). Rows: in-process,
     * round trip, the worker's own time, round trip minus that.
     */
    private static long[][] handoffRound(RecommendationService service, String[] askers, int queries, long asOf) throws InterruptedException {
        java.util.concurrent.SynchronousQueue<String> requests = new java.util.concurrent.SynchronousQueue<>();
        java.util.concurrent.SynchronousQueue<Long> answers = new java.util.concurrent.SynchronousQueue<>();
        Thread worker = new Thread(() -> {
            try {
                while (true) {
                    String user = requests.take();
                    answers.put(inProcessNanos(service, user, asOf));
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "bench-handoff-worker");
        worker.setDaemon(true);
        worker.start();
        long[][] t = new long[4][queries];
        int half = askers.length / 2;
        for (int q = -200; q < queries; q++) {
            long nanos = inProcessNanos(service, askers[Math.floorMod(q, askers.length)], asOf);
            long start = System.nanoTime();
            requests.put(askers[Math.floorMod(q + half, askers.length)]);
            long workerNanos = answers.take();
            long roundTrip = System.nanoTime() - start;
            if (q >= 0) {
                t[0][q] = nanos;
                t[1][q] = roundTrip;
                t[2][q] = workerNanos;
                t[3][q] = roundTrip - workerNanos;
            }
        }
        worker.interrupt();
        return t;
    }

    /**
     * The shard's search taken apart (what {@link Shard#search} does, stage by stage), each asker cold as in
     * rounds 1 and 2: which stage makes the slow queries slow. Rows: the stages, then their sum.
     */
    private static long[][] stageRound(String[] askers, int queries, Shard shard, AttributeStore store, VectorIndex index,
            int k, long asOf) {
        long[][] t = new long[6][queries];
        for (int q = -200; q < queries; q++) {
            String user = askers[Math.floorMod(q, askers.length)];
            long[] at = new long[6];
            at[0] = System.nanoTime();
            RecommendationQuery query = shard.queryFor(user, k, asOf).orElseThrow();
            at[1] = System.nanoTime();
            VectorIndex.IdFilter admitted = shard.admittedFilter(query);
            at[2] = System.nanoTime();
            VectorIndex.Hits hits = index.search(query.queryVector(), query.k(), admitted);
            at[3] = System.nanoTime();
            index.vectors(hits.ids());
            at[4] = System.nanoTime();
            store.preferenceVectors(hits.ids(), hits.size(), query.modelVersion());
            at[5] = System.nanoTime();
            if (q >= 0) {
                for (int s = 0; s < 5; s++) {
                    t[s][q] = at[s + 1] - at[s];
                }
                t[5][q] = at[5] - at[0];
            }
        }
        return t;
    }

    /** The mean of each stage over the queries whose sum (row {@code sumRow}) is in the slowest 1%. */
    private static String slowestSplit(long[][] stages, int sumRow) {
        Integer[] order = new Integer[stages[sumRow].length];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> Long.compare(stages[sumRow][b], stages[sumRow][a]));
        int n = Math.max(1, order.length / 100);
        StringBuilder out = new StringBuilder();
        for (int s = 0; s <= sumRow; s++) {
            double sum = 0;
            for (int i = 0; i < n; i++) {
                sum += stages[s][order[i]];
            }
            out.append(String.format(s == 0 ? "%.2f" : s == sumRow ? " = %.2f" : " + %.2f", sum / n / 1e6));
        }
        return out.toString();
    }

    private static long inProcessNanos(RecommendationService service, String user, long asOf) {
        long start = System.nanoTime();
        service.recommend(user, 10, asOf);
        return System.nanoTime() - start;
    }

    private static double median(long[] nanos) {
        long[] sorted = nanos.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2] / 1e6;
    }

    private static float[] randomUnit(Random random, int dim) {
        float[] v = new float[dim];
        for (int i = 0; i < dim; i++) {
            v[i] = (float) random.nextGaussian();
        }
        return Vectors.unit(v);
    }

    private static List<Float> floats(float[] v) {
        List<Float> out = new java.util.ArrayList<>(v.length);
        for (float x : v) {
            out.add(x);
        }
        return out;
    }

    private static void row(String name, long[] nanos) {
        long[] sorted = nanos.clone();
        Arrays.sort(sorted);
        System.out.printf("%-62s %10.3f %10.3f%n", name, sorted[sorted.length / 2] / 1e6, sorted[(int) (sorted.length * 0.99)] / 1e6);
    }
}
