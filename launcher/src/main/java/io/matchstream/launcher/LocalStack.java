package io.matchstream.launcher;

import io.matchstream.embedded.Checkpoints;
import io.matchstream.embedded.EmbeddedFlinkCluster;
import io.matchstream.embedded.EmbeddedKafkaBroker;
import io.matchstream.ingest.IngestConfig;
import io.matchstream.ingest.IngestJob;
import io.matchstream.registry.RegistryConfig;
import io.matchstream.registry.SchemaRegistryServer;
import io.matchstream.schemas.Topic;
import io.matchstream.schemas.Topics;
import io.matchstream.schemas.wire.SchemaRegistryClient;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.avro.specific.SpecificData;
import org.apache.flink.core.execution.JobClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The whole pipeline on one machine: a KRaft broker, the schema registry, a Flink MiniCluster with its
 * web UI, the topics from {@link Topics}, and the jobs, each resumed from its newest retained checkpoint.
 * Everything lives under one data directory, so a restart continues where the last run stopped.
 */
final class LocalStack implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(LocalStack.class);

    record Ports(int kafka, int registry, int flink) {
        static Ports defaults() {
            return new Ports(9092, 8085, 8081);
        }
    }

    private final Path dataDir;
    private final Ports ports;
    private final boolean runJobs;
    private final List<JobClient> jobs = new ArrayList<>();
    private EmbeddedKafkaBroker broker;
    private SchemaRegistryServer registry;
    private EmbeddedFlinkCluster flink;

    LocalStack(Path dataDir, Ports ports, boolean runJobs) {
        this.dataDir = dataDir.toAbsolutePath();
        this.ports = ports;
        this.runJobs = runJobs;
    }

    LocalStack start() throws Exception {
        broker = new EmbeddedKafkaBroker(dataDir, ports.kafka()).start();
        registry = new SchemaRegistryServer(RegistryConfig.defaults(broker.bootstrapServers()).withPort(ports.registry()));
        registry.start();
        broker.createTopics(Topics.all().stream().map(t -> t.newTopic((short) 1)).toList());
        registerSchemas();
        flink = new EmbeddedFlinkCluster(ports.flink(), 4).start();
        if (runJobs) {
            startIngestJob();
        }
        return this;
    }

    private void registerSchemas() {
        SchemaRegistryClient client = SchemaRegistryClient.forUrl(registryUrl());
        for (Topic<String, ?> topic : Topics.all()) {
            client.register(topic.valueSubject(), SpecificData.get().getSchema(topic.valueClass()));
        }
    }

    private void startIngestJob() throws Exception {
        IngestConfig config = IngestConfig.defaults()
                .withBootstrapServers(bootstrapServers(), registryUrl())
                .with("checkpoint-dir", checkpointDir().toUri().toString());
        Optional<Path> restore = Checkpoints.latest(checkpointDir().resolve(IngestConfig.JOB_NAME));
        restore.ifPresent(p -> LOG.info("ingest job resumes from {}", p));
        jobs.add(IngestJob.onKafka(config).start(flink.clientConfiguration(), restore.map(Path::toString).orElse(null)));
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
        return flink.restAddress().toString();
    }

    Path dataDir() {
        return dataDir;
    }

    List<JobClient> jobs() {
        return jobs;
    }

    @Override
    public void close() throws Exception {
        // Cancel first: the jobs' checkpoints are retained on cancellation and resume the next run.
        for (JobClient job : jobs) {
            try {
                job.cancel().get();
            } catch (Exception e) {
                LOG.warn("could not cancel job {}: {}", job.getJobID(), e.toString());
            }
        }
        jobs.clear();
        if (flink != null) {
            flink.close();
        }
        if (registry != null) {
            registry.close();
        }
        if (broker != null) {
            broker.close();
        }
    }
}
