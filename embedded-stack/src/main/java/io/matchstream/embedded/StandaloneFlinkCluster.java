package io.matchstream.embedded;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real standalone Flink cluster on this machine: a JobManager and a TaskManager, each its own JVM,
 * started from Flink's own entry points (flink-dist is not needed: the runtime, clients and web jars are).
 * Jobs arrive as jar files over the REST API, exactly as on a production session cluster.
 */
public final class StandaloneFlinkCluster implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(StandaloneFlinkCluster.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    /** What Java 17 needs opened for Flink (the list flink-dist's scripts pass). */
    public static final List<String> ADD_OPENS = List.of(
            "java.base/java.lang", "java.base/java.util", "java.base/java.nio", "java.base/sun.nio.ch",
            "java.base/java.lang.reflect", "java.base/java.io", "java.base/java.net", "java.base/java.text",
            "java.base/java.time", "java.base/java.util.concurrent", "java.base/java.util.concurrent.atomic",
            "java.base/java.util.concurrent.locks");

    private final Path workDir;
    private final int restPort;
    private final int slots;
    private final String classPath;
    private final HttpClient http = HttpClient.newHttpClient();
    private final List<Process> processes = new ArrayList<>();

    /**
     * @param classPath Flink's runtime classpath for both JVMs; the project's job jars must not be on it
     *                  (they are uploaded), see {@link #flinkClassPath(Predicate)}
     */
    public StandaloneFlinkCluster(Path workDir, int restPort, int slots, String classPath) {
        this.workDir = workDir.toAbsolutePath();
        this.restPort = restPort == 0 ? EmbeddedKafkaBroker.freePort() : restPort;
        this.slots = slots;
        this.classPath = classPath;
    }

    /** This JVM's classpath without the entries {@code isJobCode} names (the jobs' own classes and jars). */
    public static String flinkClassPath(Predicate<String> isJobCode) {
        return Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
                .filter(entry -> !isJobCode.test(entry))
                .reduce((a, b) -> a + File.pathSeparator + b).orElseThrow();
    }

    public StandaloneFlinkCluster start() {
        try {
            Path conf = workDir.resolve("conf");
            Files.createDirectories(conf);
            Files.writeString(conf.resolve("config.yaml"), config(), StandardCharsets.UTF_8);
            processes.add(launch("jobmanager", "org.apache.flink.runtime.entrypoint.StandaloneSessionClusterEntrypoint",
                    List.of("-Xmx512m"), List.of()));
            processes.add(launch("taskmanager", "org.apache.flink.runtime.taskexecutor.TaskManagerRunner",
                    List.of("-Xmx928m", "-Xms928m", "-XX:MaxDirectMemorySize=384m", "-XX:MaxMetaspaceSize=256m"),
                    taskManagerResources()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        awaitSlots(Duration.ofSeconds(90));
        LOG.info("standalone Flink cluster: REST API and web UI on {} (logs in {})", restAddress(), workDir);
        return this;
    }

    public URI restAddress() {
        return URI.create("http://localhost:" + restPort);
    }

    /**
     * Uploads a job jar and runs its main class with {@code args}, restoring from {@code restoreFrom} (a
     * retained checkpoint or savepoint) when it is not null; returns the job id.
     */
    public String submit(Path jar, String entryClass, List<String> args, String restoreFrom) {
        return submit(jar, entryClass, args, restoreFrom, false);
    }

    /**
     * As {@link #submit(Path, String, List, String)}; {@code claim}: the job takes ownership of the checkpoint it
     * restores (Flink's CLAIM mode), which the changelog state backend needs (it cannot take the full first
     * snapshot of the default NO_CLAIM mode).
     */
    public String submit(Path jar, String entryClass, List<String> args, String restoreFrom, boolean claim) {
        try {
            String boundary = "----matchstream" + UUID.randomUUID();
            byte[] head = ("--" + boundary + "\r\nContent-Disposition: form-data; name=\"jarfile\"; filename=\""
                    + jar.getFileName() + "\"\r\nContent-Type: application/x-java-archive\r\n\r\n").getBytes(StandardCharsets.UTF_8);
            byte[] tail = ("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8);
            HttpRequest upload = HttpRequest.newBuilder(restAddress().resolve("/jars/upload"))
                    .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                    .POST(HttpRequest.BodyPublishers.ofByteArrays(List.of(head, Files.readAllBytes(jar), tail)))
                    .build();
            JsonNode uploaded = call(upload);
            String jarId = Path.of(uploaded.get("filename").asText()).getFileName().toString();
            var request = JSON.createObjectNode().put("entryClass", entryClass);
            request.set("programArgsList", JSON.valueToTree(args));
            if (restoreFrom != null) {
                request.put("savepointPath", restoreFrom);
                if (claim) {
                    request.put("claimMode", "CLAIM");
                }
            }
            String body = request.toString();
            JsonNode run = call(HttpRequest.newBuilder(restAddress().resolve("/jars/" + jarId + "/run"))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(body)).build());
            return run.get("jobid").asText();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Cancels a job; its retained checkpoints stay where the job's configuration put them. */
    public void cancel(String jobId) {
        call(HttpRequest.newBuilder(restAddress().resolve("/jobs/" + jobId + "?mode=cancel"))
                .method("PATCH", HttpRequest.BodyPublishers.noBody()).build());
    }

    public String jobState(String jobId) {
        return call(HttpRequest.newBuilder(restAddress().resolve("/jobs/" + jobId)).GET().build()).path("state").asText();
    }

    @Override
    public void close() {
        for (Process p : processes) {
            p.descendants().forEach(ProcessHandle::destroy);
            p.destroy();
        }
        for (Process p : processes) {
            try {
                if (!p.waitFor(20, java.util.concurrent.TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                p.destroyForcibly();
            }
        }
        processes.clear();
    }

    private Process launch(String name, String mainClass, List<String> jvmOptions, List<String> dynamicProperties)
            throws IOException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvmOptions);
        ADD_OPENS.forEach(o -> command.add("--add-opens=" + o + "=ALL-UNNAMED"));
        command.add("-Dorg.slf4j.simpleLogger.defaultLogLevel=warn");
        command.add("-cp");
        command.add(classPath);
        command.add(mainClass);
        command.add("--configDir");
        command.add(workDir.resolve("conf").toString());
        for (String property : dynamicProperties) {
            command.add("-D");
            command.add(property);
        }
        File log = workDir.resolve(name + ".log").toFile();
        return new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log)).start();
    }

    private String config() {
        int rpcPort = EmbeddedKafkaBroker.freePort();
        return String.join("\n",
                "jobmanager.rpc.address: localhost",
                "jobmanager.rpc.port: " + rpcPort,
                "jobmanager.bind-host: localhost",
                "jobmanager.memory.process.size: 1200m",
                "taskmanager.bind-host: localhost",
                "taskmanager.host: localhost",
                "taskmanager.numberOfTaskSlots: " + slots,
                "rest.port: " + restPort,
                "rest.address: localhost",
                "rest.bind-address: localhost",
                "parallelism.default: 2",
                // where jobs that enable the changelog state backend write their state-change logs
                "state.changelog.storage: filesystem",
                "dstl.dfs.base-path: " + workDir.resolve("changelog").toUri(),
                "");
    }

    /** The memory split flink-dist's scripts would compute for a 2.4 GB TaskManager. */
    private static List<String> taskManagerResources() {
        return List.of("taskmanager.cpu.cores=2.0",
                "taskmanager.memory.framework.heap.size=128m", "taskmanager.memory.task.heap.size=800m",
                "taskmanager.memory.managed.size=512m", "taskmanager.memory.network.min=128m",
                "taskmanager.memory.network.max=128m", "taskmanager.memory.framework.off-heap.size=128m",
                "taskmanager.memory.task.off-heap.size=128m", "taskmanager.memory.jvm-metaspace.size=256m",
                "taskmanager.memory.jvm-overhead.min=192m", "taskmanager.memory.jvm-overhead.max=192m");
    }

    private void awaitSlots(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            for (Process p : processes) {
                if (!p.isAlive()) {
                    throw new IllegalStateException("a Flink process exited with " + p.exitValue() + "; see the logs in " + workDir);
                }
            }
            try {
                JsonNode overview = JSON.readTree(http.send(HttpRequest.newBuilder(restAddress().resolve("/overview")).build(),
                        HttpResponse.BodyHandlers.ofString()).body());
                if (overview.path("slots-total").asInt() >= slots) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
            try {
                Thread.sleep(300);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
        close();
        throw new IllegalStateException("the standalone Flink cluster did not offer " + slots + " slots within " + timeout
                + "; see the logs in " + workDir);
    }

    private JsonNode call(HttpRequest request) {
        try {
            HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() / 100 != 2) {
                throw new IllegalStateException(request.method() + " " + request.uri() + " answered "
                        + response.statusCode() + ": " + response.body());
            }
            return response.body().isBlank() ? JSON.createObjectNode() : JSON.readTree(response.body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
