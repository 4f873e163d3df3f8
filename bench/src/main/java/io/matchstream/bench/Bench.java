package io.matchstream.bench;

import java.util.Arrays;
import java.util.List;

/** {@code ./matchstream bench WHAT [flags]}. */
public final class Bench {
    static final String USAGE = String.join("\n",
            "usage: ./matchstream bench ingest [--records N (default 1000000)] [--state-backends rocksdb,hashmap]",
            "                                 [--compression lz4|none|zstd|snappy|gzip (default lz4)]",
            "       ./matchstream bench embed [--photos N a window (default 256, at least 256)] [--rounds N (default 3)] [--warmup-photos N (default 256)]",
            "                                 [--tail-photos N before and after each job window's (default 128)] [--photo-width PX (default 640)] [--batch-sizes 1,8,32]",
            "                                 (one job per batch size, all up and warmed up; then N rounds, each a bare window and a job window back to back",
            "                                 at every batch size, the order rotating; what the idle jobs cost, before and after)",
            "       ./matchstream bench embed-devices [--photos N (default 512)] [--photo-width PX] [--batch-sizes 1,8,32] [--gpu-pipelines N (default 4)]",
            "                                 [--photo-dir DIR] [--vectors-out FILE] [--reference FILE]   (the embedder on the CPU and every GPU DJL finds)",
            "                                 [--throughput-devices cpu,gpu:0 (default all)] [--stages CALLS (time each stage on its own, default 0: off)]",
            "       ./matchstream bench preference [--users N (default 100000)] [--warmup-swipes N (default 300000)] [--swipes N (default 300000)]",
            "                                 [--rate SWIPES_PER_S (default 5000)] [--seconds S (default 30)] [--warmup-seconds S at the rate, unmeasured (default 10)]",
            "                                 [--state-backends rocksdb,hashmap]",
            "                                 [--floor kafka,flink,flink-at-least-once (instead: the least work a swipe costs on this stack)]",
            "                                 [--job FLAG=VALUE,... (preference job flags, e.g. checkpoint-interval-ms=5000)]",
            "                                 (a backend may carry its own: --state-backends rocksdb,rocksdb:rocksdb-compaction=universal;update-compression=none)",
            "       ./matchstream bench index [--vectors N (default 1000000)] [--queries N (default 200)] [--no-python] [--out DIR (default .matchstream/bench-index)]",
            "       ./matchstream bench query [PROFILES (default 200000)] [QUERIES (default 2000)] [faiss|exact]   (the query service, in-process vs HTTP)");

    private Bench() {}

    public static void main(String[] args) throws Exception {
        if (args.length == 0 || args[0].equals("--help") || args[0].equals("help")) {
            System.out.println(USAGE);
            System.exit(args.length == 0 ? 2 : 0);
        }
        try {
            switch (args[0]) {
                case "ingest" -> {
                    int records = 1_000_000;
                    List<String> backends = List.of("rocksdb", "hashmap");
                    String compression = "lz4";
                    String[] rest = Arrays.copyOfRange(args, 1, args.length);
                    for (int i = 0; i < rest.length; i++) {
                        switch (rest[i]) {
                            case "--records" -> records = Integer.parseInt(value(rest, ++i));
                            case "--state-backends" -> backends = List.of(value(rest, ++i).split(","));
                            case "--compression" -> compression = value(rest, ++i);
                            default -> throw new IllegalArgumentException("unknown flag " + rest[i]);
                        }
                    }
                    IngestBench.run(new IngestBench.Options(records, backends, compression), System.out);
                }
                case "embed" -> {
                    int photos = 256;
                    int warmup = 256;
                    int tail = 128;
                    int rounds = 3;
                    int width = 640;
                    List<Integer> batches = List.of(1, 8, 32);
                    String[] rest = Arrays.copyOfRange(args, 1, args.length);
                    for (int i = 0; i < rest.length; i++) {
                        switch (rest[i]) {
                            case "--photos" -> photos = Integer.parseInt(value(rest, ++i));
                            case "--warmup-photos" -> warmup = Integer.parseInt(value(rest, ++i));
                            case "--tail-photos" -> tail = Integer.parseInt(value(rest, ++i));
                            case "--rounds" -> rounds = Integer.parseInt(value(rest, ++i));
                            case "--photo-width" -> width = Integer.parseInt(value(rest, ++i));
                            case "--batch-sizes" -> batches = Arrays.stream(value(rest, ++i).split(",")).map(Integer::valueOf).toList();
                            default -> throw new IllegalArgumentException("unknown flag " + rest[i]);
                        }
                    }
                    EmbedBench.run(new EmbedBench.Options(photos, warmup, tail, width, batches, rounds), System.out);
                }
                case "embed-devices" -> EmbedDeviceBench.main(Arrays.copyOfRange(args, 1, args.length));
                case "preference" -> {
                    int users = 100_000;
                    int swipes = 300_000;
                    int warmup = 300_000;
                    java.util.Map<String, String> jobFlags = new java.util.LinkedHashMap<>();
                    int rate = 5_000;
                    int seconds = 30;
                    int warmupSeconds = 10;
                    List<String> backends = List.of("rocksdb", "hashmap");
                    List<String> floors = List.of();
                    String[] rest = Arrays.copyOfRange(args, 1, args.length);
                    for (int i = 0; i < rest.length; i++) {
                        switch (rest[i]) {
                            case "--users" -> users = Integer.parseInt(value(rest, ++i));
                            case "--swipes" -> swipes = Integer.parseInt(value(rest, ++i));
                            case "--warmup-swipes" -> warmup = Integer.parseInt(value(rest, ++i));
                            case "--job" -> {
                                for (String flag : value(rest, ++i).split(",")) {
                                    String[] kv = flag.split("=", 2);
                                    if (kv.length != 2) {
                                        throw new IllegalArgumentException("--job takes FLAG=VALUE pairs, not " + flag);
                                    }
                                    jobFlags.put(kv[0], kv[1]);
                                }
                            }
                            case "--rate" -> rate = Integer.parseInt(value(rest, ++i));
                            case "--seconds" -> seconds = Integer.parseInt(value(rest, ++i));
                            case "--warmup-seconds" -> warmupSeconds = Integer.parseInt(value(rest, ++i));
                            case "--state-backends" -> backends = List.of(value(rest, ++i).split(","));
                            case "--floor" -> floors = List.of(value(rest, ++i).split(","));
                            default -> throw new IllegalArgumentException("unknown flag " + rest[i]);
                        }
                    }
                    if (!floors.isEmpty()) {
                        PreferenceFloorBench.run(new PreferenceFloorBench.Options(users, warmup, swipes, floors), System.out);
                    } else {
                        PreferenceBench.run(new PreferenceBench.Options(users, warmup, swipes, rate, seconds, warmupSeconds, backends, jobFlags),
                                System.out);
                    }
                }
                case "index" -> IndexBench.run(IndexBench.Options.parse(Arrays.copyOfRange(args, 1, args.length)), System.out);
                default -> throw new IllegalArgumentException("unknown benchmark '" + args[0] + "'");
            }
        } catch (IllegalArgumentException e) {
            System.err.println("error: " + e.getMessage());
            System.err.println(USAGE);
            System.exit(2);
        }
        System.exit(0);
    }

    private static String value(String[] args, int i) {
        if (i >= args.length) {
            throw new IllegalArgumentException(args[i - 1] + " needs a value");
        }
        return args[i];
    }
}
