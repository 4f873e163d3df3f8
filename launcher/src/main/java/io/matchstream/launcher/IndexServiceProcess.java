package io.matchstream.launcher;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The index sink and query service as `./matchstream local` runs it: a JVM of its own, started from the
 * index-sink module's jar and {@code target/lib} (RocksDB's JNI jar and Flink's frocksdb share a package, so
 * they cannot share the launcher's JVM). Stopped with SIGTERM, which lets it write a last snapshot.
 */
final class IndexServiceProcess implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(IndexServiceProcess.class);

    /** By name: loading the class here would reach for RocksDB classes this JVM must not hold. */
    private static final String MAIN_CLASS = "io.matchstream.index.IndexService";

    private final Process process;
    private final int port;

    private IndexServiceProcess(Process process, int port) {
        this.process = process;
        this.port = port;
    }

    /**
     * The service's heap: {@code MATCHSTREAM_INDEX_HEAP} (a size as -Xmx takes it), 1g by default. It holds the
     * attribute store's columns and every preference vector (2 KiB per 512-d user with one).
     */
    static String heap() {
        String heap = System.getenv("MATCHSTREAM_INDEX_HEAP");
        return heap == null || heap.isBlank() ? "1g" : heap.trim();
    }

    /** Starts the service, or returns empty (with a warning) when the index-sink module is not built. */
    static Optional<IndexServiceProcess> start(Path dataDir, String bootstrapServers, String registryUrl, int port) throws IOException {
        Optional<String> classPath = classPath();
        if (classPath.isEmpty()) {
            LOG.warn("query service not started: index-sink/target/lib is missing (build with ./matchstream setup)");
            return Optional.empty();
        }
        int httpPort = port != 0 ? port : freePort();
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx" + heap(), "-cp", classPath.get(), MAIN_CLASS));
        Map.of("bootstrap-servers", bootstrapServers, "registry-url", registryUrl,
                "data-dir", dataDir.resolve("index-sink").toString(), "http-port", Integer.toString(httpPort)).forEach((k, v) -> {
                    command.add("--" + k);
                    command.add(v);
                });
        Files.createDirectories(dataDir);
        Process process = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(dataDir.resolve("index-sink.log").toFile())).start();
        return Optional.of(new IndexServiceProcess(process, httpPort));
    }

    String url() {
        return "http://localhost:" + port;
    }

    /** index-sink's jar (or classes) and its runtime dependencies, found from the checkout's root. */
    private static Optional<String> classPath() throws IOException {
        Optional<Path> root = checkoutRoot();
        if (root.isEmpty()) {
            return Optional.empty();
        }
        Path target = root.get().resolve("index-sink").resolve("target");
        Path lib = target.resolve("lib");
        if (!Files.isDirectory(lib)) {
            return Optional.empty();
        }
        List<String> entries = new ArrayList<>();
        try (Stream<Path> jars = Files.list(target)) {
            jars.filter(p -> p.getFileName().toString().matches("index-sink-.*\\.jar")).map(Path::toString).forEach(entries::add);
        }
        if (entries.isEmpty()) {
            entries.add(target.resolve("classes").toString());
        }
        entries.add(lib.resolve("*").toString());
        return Optional.of(String.join(java.io.File.pathSeparator, entries));
    }

    private static Optional<Path> checkoutRoot() {
        String home = System.getProperty("matchstream.home");
        Path dir = Path.of(home != null ? home : System.getProperty("user.dir")).toAbsolutePath();
        for (Path p = dir; p != null; p = p.getParent()) {
            if (Files.isRegularFile(p.resolve("index-sink").resolve("pom.xml"))) {
                return Optional.of(p);
            }
        }
        return Optional.empty();
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }
}
