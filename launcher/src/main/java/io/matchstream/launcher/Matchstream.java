package io.matchstream.launcher;

import io.matchstream.index.IndexServiceConfig;
import io.matchstream.index.http.Tokens;
import io.matchstream.schemas.Topic;
import io.matchstream.schemas.Topics;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;

/** Entry point of {@code ./matchstream}: one subcommand per word. */
public final class Matchstream {
    static final String USAGE = String.join("\n",
            "usage: ./matchstream COMMAND [flags]",
            "",
            "  local      start Kafka, the schema registry, Flink (web UI) and the jobs on this machine; Ctrl-C stops",
            "  demo       like local, then publish sample events and show them decoded (--exit to stop afterwards)",
            "  publish    publish a profile, swipe or deletion (./matchstream publish --help)",
            "  tail       print a topic's records as JSON lines (./matchstream tail TOPIC)",
            "  token      print a development JWT for the query service (./matchstream token USER [--admin] [--ttl-minutes 60])",
            "  topics     list the topics with their partitions, values and policies;",
            "             --create [--bootstrap-servers H:P] [--replication-factor N] creates the missing ones on a cluster",
            "  bench      benchmarks with a baseline from the same run (./matchstream bench ingest)",
            "  setup      build everything and install the JS conformance client, without running",
            "  train-head train the 512-d projection head of the embedding job (./matchstream setup does it once)",
            "  test       run every test (what CI runs)",
            "  help       this text",
            "",
            "local/demo flags: [--data-dir DIR (default .matchstream/data)] [--kafka-port 9092] [--registry-port 8085]",
            "                  [--flink-port 8081] [--query-port 8090] [--flink mini|standalone] [--no-jobs]");

    private Matchstream() {}

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    static int run(String[] args, PrintStream out, PrintStream err) {
        if (args.length == 0 || Set.of("help", "--help", "-h").contains(args[0])) {
            out.println(USAGE);
            return args.length == 0 ? 2 : 0;
        }
        String command = args[0];
        String[] rest = Arrays.copyOfRange(args, 1, args.length);
        String usage = switch (command) {
            case "publish" -> PublishCommand.USAGE;
            case "tail" -> TailCommand.USAGE;
            case "demo" -> DemoCommand.USAGE;
            default -> USAGE;
        };
        if (Arrays.asList(rest).contains("--help")) {
            out.println(usage);
            return 0;
        }
        try {
            return switch (command) {
                case "local" -> local(rest, out);
                case "demo" -> DemoCommand.run(rest, out);
                case "publish" -> PublishCommand.run(rest, out);
                case "tail" -> TailCommand.run(rest, out);
                case "topics" -> topics(rest, out);
                case "token" -> token(rest, out);
                default -> throw new UsageException("unknown command '" + command + "'");
            };
        } catch (UsageException e) {
            err.println("error: " + e.getMessage());
            err.println(usage);
            return 2;
        } catch (Exception e) {
            err.println("error: " + e.getMessage());
            return 1;
        }
    }

    static LocalStack startStack(Flags flags, PrintStream out) throws Exception {
        Path dataDir = Path.of(flags.get("data-dir", ".matchstream/data"));
        LocalStack.Ports defaults = LocalStack.Ports.defaults();
        LocalStack.Ports ports = new LocalStack.Ports(
                flags.getInt("kafka-port", defaults.kafka()),
                flags.getInt("registry-port", defaults.registry()),
                flags.getInt("flink-port", defaults.flink()),
                flags.getInt("query-port", defaults.query()));
        boolean runJobs = !flags.has("no-jobs");
        String flinkMode = flags.get("flink", "mini");
        if (!flinkMode.equals("mini") && !flinkMode.equals("standalone")) {
            throw new UsageException("--flink must be mini (a MiniCluster in this process) or standalone (a real cluster)");
        }
        flags.rejectUnknown();
        out.println("starting the local stack (data in " + dataDir.toAbsolutePath() + ") ...");
        LocalStack stack = new LocalStack(dataDir, ports, runJobs, flinkMode.equals("standalone")).start();
        out.println("  Kafka broker     " + stack.bootstrapServers());
        out.println("  schema registry  " + stack.registryUrl());
        out.println("  Flink web UI     " + stack.flinkUrl());
        out.println("  data directory   " + stack.dataDir());
        out.println("  Flink            " + (flinkMode.equals("standalone")
                ? "standalone cluster (JobManager and TaskManager processes; jobs submitted as jars over REST)"
                : "MiniCluster in this process"));
        out.println("  jobs running     " + (stack.runningJobs().isEmpty() ? "none" : String.join(", ", stack.runningJobs())));
        if (stack.queryServiceUrl() != null) {
            out.println("  query service    " + stack.queryServiceUrl() + "/v1/users/USER/recommendations"
                    + " (token: ./matchstream token USER; log in " + stack.dataDir().resolve("index-sink.log") + ")");
        }
        return stack;
    }

    private static int local(String[] args, PrintStream out) throws Exception {
        LocalStack stack = startStack(new Flags(args, Set.of("no-jobs")), out);
        out.println("ready; Ctrl-C stops everything (data is kept)");
        awaitCtrlC(stack, out);
        return 0;
    }

    static void awaitCtrlC(LocalStack stack, PrintStream out) throws InterruptedException {
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            out.println("stopping ...");
            try {
                stack.close();
            } catch (Exception e) {
                out.println("error while stopping: " + e);
            }
            stopped.countDown();
        }));
        stopped.await();
    }

    /** A token signed with the development secret the local query service accepts (never valid elsewhere). */
    private static int token(String[] args, PrintStream out) {
        Flags flags = new Flags(args, Set.of("admin"));
        List<String> users = flags.positional();
        boolean admin = flags.has("admin");
        int ttlMinutes = flags.getInt("ttl-minutes", 60);
        flags.rejectUnknown();
        if (users.size() != 1) {
            throw new UsageException("token needs exactly one user id");
        }
        out.println(Tokens.hs256(IndexServiceConfig.DEV_JWT_SECRET, IndexServiceConfig.DEV_JWT_ISSUER, users.get(0),
                admin ? "admin" : "", Duration.ofMinutes(ttlMinutes)));
        return 0;
    }

    private static int topics(String[] args, PrintStream out) {
        Flags flags = new Flags(args, Set.of("create"));
        boolean create = flags.has("create");
        String bootstrap = flags.get("bootstrap-servers", "localhost:9092");
        short replication = (short) flags.getInt("replication-factor", 1);
        flags.rejectUnknown();
        if (create) {
            java.util.Properties props = new java.util.Properties();
            props.put("bootstrap.servers", bootstrap);
            try (var admin = org.apache.kafka.clients.admin.Admin.create(props)) {
                var existing = admin.listTopics().names().get();
                var missing = Topics.all().stream().filter(t -> !existing.contains(t.name()))
                        .map(t -> t.newTopic(replication)).toList();
                admin.createTopics(missing).all().get();
                out.println("created " + missing.size() + " topic(s) on " + bootstrap + "; "
                        + (Topics.all().size() - missing.size()) + " existed already");
            } catch (Exception e) {
                throw new IllegalStateException("cannot create topics on " + bootstrap + ": " + e.getMessage(), e);
            }
        }
        out.printf("%-24s %-10s %-20s %-8s %s%n", "TOPIC", "PARTITIONS", "VALUE", "CLEANUP", "DESCRIPTION");
        for (Topic<String, ?> t : Topics.all()) {
            out.printf("%-24s %-10d %-20s %-8s %s%n", t.name(), t.partitions(), t.valueClass().getSimpleName(),
                    t.cleanupPolicy().kafkaName(), t.description());
        }
        return 0;
    }
}
