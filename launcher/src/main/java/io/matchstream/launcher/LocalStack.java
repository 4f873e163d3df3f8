package io.matchstream.launcher;

import io.matchstream.embedded.Checkpoints;
import io.matchstream.embedded.EmbeddedFlinkCluster;
import io.matchstream.embedded.EmbeddedKafkaBroker;
import io.matchstream.embedded.StandaloneFlinkCluster;
import io.matchstream.embedding.EmbeddingConfig;
import io.matchstream.embedding.EmbeddingJob;
import io.matchstream.preference.PreferenceConfig;
import io.matchstream.preference.PreferenceJob;
import io.matchstream.ingest.IngestConfig;
import io.matchstream.ingest.IngestJob;
import io.matchstream.registry.RegistryConfig;
import io.matchstream.registry.SchemaRegistryServer;
import io.matchstream.schemas.Topic;
import io.matchstream.schemas.Topics;
import io.matchstream.schemas.wire.SchemaRegistryClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.apache.avro.specific.SpecificData;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The whole pipeline on one machine: a KRaft broker, the schema registry, a Flink MiniCluster with its
 * web UI, the topics from {@link Topics}, and the jobs, each resumed from its newest retained checkpoint,
 * then the index sink and query service (its own JVM, resumed from its newest snapshot).
 * Everything lives under one data directory, so a restart continues where the last run stopped.
 */
final class LocalStack implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(LocalStack.class);

    /** Port 0: any free port. */
    record Ports(int kafka, int registry, int flink, int query) {
        Ports(int kafka, int registry, int flink) {
            this(kafka, registry, flink, 0);
        }

        static Ports defaults() {
            return new Ports(9092, 8085, 8081, 8090);
        }
    }

    /** Three jobs at parallelism 2, each a slot-sharing group of its own: 6 slots, and room for one more. */
    private static final int SLOTS = 8;

    private final Path dataDir;
    private final Ports ports;
    private final boolean runJobs;
    private final boolean standalone;
    /** One per running job: cancelling retains its newest checkpoint for the next start. */
    private final List<RunningJob> jobs = new ArrayList<>();
    private final List<String> jobNames = new ArrayList<>();
    private EmbeddedKafkaBroker broker;
    private SchemaRegistryServer registry;
    private EmbeddedFlinkCluster flink;
    private StandaloneFlinkCluster cluster;
    private IndexServiceProcess queryService;

    /**
     * @param standalone run Flink as a real standalone cluster (JobManager and TaskManager processes, jobs
     *                   submitted as jars over REST) instead of a MiniCluster inside this JVM
     */
    LocalStack(Path dataDir, Ports ports, boolean runJobs, boolean standalone) {
        this.dataDir = dataDir.toAbsolutePath();
        this.ports = ports;
        this.runJobs = runJobs;
        this.standalone = standalone;
    }

    /** Starts everything, or stops what it started and rethrows. */
    LocalStack start() throws Exception {
        try {
            startAll();
        } catch (Exception | Error e) {
            close();
            throw e;
        }
        return this;
    }

    private void startAll() throws Exception {
        broker = new EmbeddedKafkaBroker(dataDir, ports.kafka()).start();
        registry = new SchemaRegistryServer(RegistryConfig.defaults(broker.bootstrapServers()).withPort(ports.registry()));
        registry.start();
        broker.createTopics(Topics.all().stream().map(t -> t.newTopic((short) 1)).toList());
        registerSchemas();
        if (standalone) {
            cluster = new StandaloneFlinkCluster(dataDir.resolve("flink").resolve("cluster"), ports.flink(), SLOTS,
                    StandaloneFlinkCluster.flinkClassPath(LocalStack::isJobCode)).start();
        } else {
            flink = new EmbeddedFlinkCluster(ports.flink(), SLOTS, dataDir.resolve("flink").resolve("changelog")).start();
        }
        if (runJobs) {
            startIngestJob();
            startEmbeddingJob();
            startPreferenceJob();
            queryService = IndexServiceProcess.start(dataDir, bootstrapServers(), registryUrl(), ports.query()).orElse(null);
            if (queryService != null) {
                jobNames.add("index sink + query service");
            }
        }
    }

    /**
     * What a job jar brings itself (the project's classes, the Kafka connector and client, Avro, Jackson)
     * and the broker's jars: a real Flink cluster's classpath has none of them, or the job's copies clash
     * with the cluster's (a LinkageError at submission).
     */
    private static boolean isJobCode(String classPathEntry) {
        String name = Path.of(classPathEntry).getFileName().toString();
        return classPathEntry.contains("/io/matchstream/") || classPathEntry.endsWith("/classes")
                || classPathEntry.endsWith("/test-classes") || name.startsWith("launcher")
                || name.startsWith("kafka") || name.startsWith("flink-connector-kafka") || name.startsWith("avro")
                || name.startsWith("jackson-") || name.startsWith("scala-") || name.startsWith("flink-avro")
                || name.matches("(schemas|schema-registry|embedded-stack|ingest-job|bench)-.*\\.jar");
    }

    private void registerSchemas() {
        SchemaRegistryClient client = SchemaRegistryClient.forUrl(registryUrl());
        for (Topic<String, ?> topic : Topics.all()) {
            client.register(topic.valueSubject(), SpecificData.get().getSchema(topic.valueClass()));
        }
    }

    /**
     * The embedding job needs the converted models (models/setup.sh, which ./matchstream runs first). On the
     * standalone cluster DJL sits on the cluster's classpath, not in the job jar: its native libraries load
     * once per JVM.
     */
    private void startEmbeddingJob() throws Exception {
        EmbeddingConfig config = EmbeddingConfig.defaults().with(Map.of(
                "bootstrap-servers", bootstrapServers(), "registry-url", registryUrl(),
                "checkpoint-dir", checkpointDir().toUri().toString()));
        if (!Files.isRegularFile(config.faceModel()) || !Files.isRegularFile(config.faceDetector())
                || !Files.isRegularFile(config.faceLandmarks())
                || config.encoder().headFile().map(f -> !Files.isRegularFile(f)).orElse(false)) {
            LOG.warn("embedding job not started: models missing in {} (run ./matchstream setup)", config.faceModel().getParent());
            return;
        }
        startJob("embedding", EmbeddingConfig.JOB_NAME, "embedding-job", EmbeddingJob.class, config.toFlags(),
                (client, restore) -> EmbeddingJob.onKafka(config).start(client, restore));
    }

    /** Preference vectors, mutual matches and training triplets. */
    private void startPreferenceJob() throws Exception {
        PreferenceConfig config = PreferenceConfig.fromFlags(Map.of("bootstrap-servers", bootstrapServers(),
                "registry-url", registryUrl(), "checkpoint-dir", checkpointDir().toUri().toString()), Map.of());
        startJob("preference", PreferenceConfig.JOB_NAME, "preference-job", PreferenceJob.class, config.toFlags(),
                (client, restore) -> PreferenceJob.onKafka(config).start(client, restore));
    }

    private void startIngestJob() throws Exception {
        IngestConfig config = IngestConfig.defaults()
                .withBootstrapServers(bootstrapServers(), registryUrl())
                .with("checkpoint-dir", checkpointDir().toUri().toString());
        startJob("ingest", IngestConfig.JOB_NAME, "ingest-job", IngestJob.class, config.toFlags(),
                (client, restore) -> IngestJob.onKafka(config).start(client, restore));
    }

    /** How a job starts on the MiniCluster in this JVM: its {@code onKafka(config).start}. */
    interface InProcessStart {
        JobClient start(Configuration flinkClient, String restore) throws Exception;
    }

    /**
     * Starts a job from its newest retained checkpoint: on the standalone cluster its module's jar with these
     * flags, otherwise in this JVM; cancelling it on close retains its newest checkpoint.
     */
    private void startJob(String label, String jobName, String module, Class<?> mainClass, Map<String, String> flags,
                          InProcessStart inProcess) throws Exception {
        String restore = restorePoint(jobName);
        resuming(jobName, restore, () -> {
            if (standalone) {
                String jobId = submitJar(module, mainClass, flags, restore);
                jobs.add(new RunningJob(jobName, () -> cluster.cancel(jobId)));
            } else {
                JobClient client = inProcess.start(flink.clientConfiguration(), restore);
                jobs.add(new RunningJob(jobName, () -> client.cancel().join()));
            }
        });
        jobNames.add(label);
    }

    /** The job's newest retained checkpoint, or null for a first start. */
    private String restorePoint(String jobName) {
        Optional<Path> restore = Checkpoints.latest(checkpointDir().resolve(jobName));
        restore.ifPresent(p -> LOG.info("{} resumes from {}", jobName, p));
        return restore.map(Path::toString).orElse(null);
    }

    interface JobStart {
        void run() throws Exception;
    }

    /**
     * Starts a job; when it fails to resume from its checkpoint (typically a state layout this version no
     * longer reads), says which checkpoint and how to start without it, instead of Flink's bare
     * "Failed to execute job".
     */
    private void resuming(String jobName, String restore, JobStart start) throws Exception {
        try {
            start.run();
        } catch (Exception e) {
            if (restore == null) {
                throw e;
            }
            Throwable root = e;
            while (root.getCause() != null && root.getCause() != root) {
                root = root.getCause();
            }
            throw new IllegalStateException(jobName + " cannot resume from its checkpoint " + restore + " (" + root.getMessage()
                    + "). If this version changed the job's state layout (README, the job's section), move "
                    + checkpointDir().resolve(jobName) + " aside to start the job without its old state.", e);
        }
    }

    /** Uploads a job module's cluster jar to the standalone cluster and runs it with these flags; its job id. */
    private String submitJar(String module, Class<?> mainClass, Map<String, String> flags, String restore) {
        List<String> args = new ArrayList<>();
        flags.forEach((flag, value) -> {
            args.add("--" + flag);
            args.add(value);
        });
        return cluster.submit(JobJars.find(module), mainClass.getName(), args, restore, "true".equals(flags.get("state-changelog")));
    }

    private record RunningJob(String name, Runnable cancel) {}

    /**
     * Waits, at most a few checkpoint intervals, for the job's next completed checkpoint: cancelled then, the
     * job has no checkpoint in flight, which Flink would abort with a stack trace or two in the log
     * ("Checkpoint Coordinator is suspending", "Trying to open gateway for unseen checkpoint").
     */
    private void awaitCheckpoint(String jobName) {
        Path dir = checkpointDir().resolve(jobName);
        Optional<Path> before = Checkpoints.latest(dir);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
        try {
            while (System.nanoTime() < deadline && Checkpoints.latest(dir).equals(before)) {
                Thread.sleep(10);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            // a checkpoint folder removed while listing: cancel now
        }
    }

    Path checkpointDir() {
        return dataDir.resolve("flink").resolve("checkpoints");
    }

    String bootstrapServers() {
        return broker.bootstrapServers();
    }

    String registryUrl() {
        return registry.url();
    }

    String flinkUrl() {
        return standalone ? cluster.restAddress().toString() : flink.restAddress().toString();
    }

    Path dataDir() {
        return dataDir;
    }

    /** The query service's URL, or null when it does not run. */
    String queryServiceUrl() {
        return queryService == null ? null : queryService.url();
    }

    List<String> runningJobs() {
        return List.copyOf(jobNames);
    }

    @Override
    public void close() throws Exception {
        // Cancel first: the jobs' checkpoints are retained on cancellation and resume the next run.
        for (RunningJob job : jobs) {
            awaitCheckpoint(job.name());
            try {
                job.cancel().run();
            } catch (RuntimeException e) {
                LOG.warn("could not cancel a job: {}", e.toString());
            }
        }
        jobs.clear();
        jobNames.clear();
        if (queryService != null) {
            queryService.close(); // SIGTERM: it writes a last snapshot before the broker goes
            queryService = null;
        }
        if (flink != null) {
            flink.close();
        }
        if (cluster != null) {
            cluster.close();
        }
        if (registry != null) {
            registry.close();
        }
        if (broker != null) {
            broker.close();
        }
    }
}
