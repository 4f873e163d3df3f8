package io.matchstream.registry;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The registry's truth, after Confluent's {@code KafkaStore}: a compacted topic with one partition where
 * every change is one record (see {@link LogFormat}). {@link RegistryState} is only a cache, rebuilt by a
 * reader thread that consumes the topic from the beginning with {@code isolation.level=read_committed}.
 *
 * <p><b>Reads</b> answer from the cache. {@link #start()} returns once the reader has reached the end
 * offset it saw at start, so a restarted instance answers with the ids it answered before.
 *
 * <p><b>Writes</b> are read-your-writes: a write returns once this instance's reader has consumed past
 * its record, so the next request to the same instance sees it.
 *
 * <p><b>Several instances on one topic</b> must never give one id to two schemas nor one (subject,
 * version) to two schemas, yet Confluent's leader election is not available here. Instead every instance
 * writes through a transactional producer with the same {@code transactional.id}
 * ({@link RegistryConfig#transactionalId()}), and Kafka's producer fencing elects the writer: the latest
 * {@code initTransactions()} bumps the producer epoch, aborts any transaction still open under an older
 * epoch, and makes every older producer fail to write or commit. A write, under this instance's write
 * lock, runs:
 * <ol>
 *   <li>if this instance has no live producer, create one and {@code initTransactions()};</li>
 *   <li>catch the reader up to the read_committed end offset of the topic;</li>
 *   <li>compute the records (next id = largest id seen + 1, next version, compatibility) from the cache;</li>
 *   <li>{@code beginTransaction}, send, {@code commitTransaction}; wait until the reader passed them.</li>
 * </ol>
 * A commit succeeds only if no other instance initialised a producer since ours, and that instance could
 * only commit before our initialisation, which had to wait for its transaction to finish; so the cache
 * the records were computed from held every committed record. If another instance fenced us, the write
 * fails with a fencing error (ProducerFenced, InvalidProducerEpoch or another {@link KafkaException}):
 * the producer is closed and the whole write, catch-up included, is retried with a fresh producer, at
 * most {@value #MAX_WRITE_ATTEMPTS} times with a random pause so two busy instances do not fence each
 * other forever. A write whose answer is already in the cache (a schema registered again) writes nothing
 * and so fences nobody.
 */
final class SchemaLog implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SchemaLog.class);
    static final int MAX_WRITE_ATTEMPTS = 10;
    private static final Duration WAIT_TIMEOUT = Duration.ofSeconds(30);

    /** A record to append; {@code value} null is a tombstone. */
    record Entry(String key, String value) {}

    /** What a write appends, and what it answers once the records are read back. */
    record Write<T>(List<Entry> entries, T result) {
        static <T> Write<T> nothing(T result) {
            return new Write<>(List.of(), result);
        }
    }

    private final RegistryConfig config;
    private final RegistryState state;
    private final TopicPartition partition;
    private final String instanceId = UUID.randomUUID().toString().substring(0, 8);
    private final ReentrantLock writeLock = new ReentrantLock();
    /** Guards {@link #position} and {@link #readerFailure}; notified whenever the reader moves. */
    private final Object progress = new Object();
    private long position;
    private RuntimeException readerFailure;
    private volatile boolean running;
    private Admin admin;
    private KafkaConsumer<String, String> consumer;
    private Thread reader;
    /** Guarded by {@link #writeLock}. */
    private KafkaProducer<String, String> producer;

    SchemaLog(RegistryConfig config, RegistryState state) {
        this.config = config;
        this.state = state;
        this.partition = new TopicPartition(config.topic(), 0);
    }

    /** Creates the topic if missing, starts the reader and returns once it read what the topic held. */
    void start() {
        Properties adminProps = new Properties();
        adminProps.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers());
        adminProps.put(AdminClientConfig.CLIENT_ID_CONFIG, clientId("admin"));
        admin = Admin.create(adminProps);
        ensureTopic();
        consumer = new KafkaConsumer<>(consumerProperties());
        consumer.assign(List.of(partition));
        consumer.seekToBeginning(List.of(partition));
        running = true;
        reader = new Thread(this::readLoop, "schema-log-reader-" + instanceId);
        reader.setDaemon(true);
        reader.start();
        catchUp();
        LOG.info("schema log {} read up to offset {}", config.topic(), currentPosition());
    }

    /** Waits until the reader has applied every record committed to the topic so far. */
    void catchUp() {
        awaitPosition(endOffset());
    }

    /**
     * Appends the records {@code plan} computes from the caught-up cache, as the only writer (see the
     * class comment), and returns its result once the reader applied them. A {@link RegistryError} thrown
     * by the plan (an incompatible schema, say) is the answer and appends nothing.
     */
    <T> T write(Function<RegistryState, Write<T>> plan) {
        writeLock.lock();
        try {
            RuntimeException lastFailure = null;
            for (int attempt = 1; attempt <= MAX_WRITE_ATTEMPTS; attempt++) {
                try {
                    if (producer == null) {
                        producer = newProducer();
                    }
                    catchUp();
                    Write<T> write = plan.apply(state);
                    if (!write.entries().isEmpty()) {
                        long last = append(write.entries());
                        LOG.debug("instance {} appended up to offset {}", instanceId, last);
                        awaitPosition(last + 1);
                    }
                    return write.result();
                } catch (KafkaException | IllegalStateException e) {
                    lastFailure = e;
                    LOG.info("write to {} failed on attempt {} ({}); retrying with a fresh producer",
                            config.topic(), attempt, e.toString());
                    discardProducer();
                    pause(attempt);
                }
            }
            throw RegistryError.storeError("could not write to the schema log " + config.topic() + " after "
                    + MAX_WRITE_ATTEMPTS + " attempts: " + lastFailure, lastFailure);
        } finally {
            writeLock.unlock();
        }
    }

    @Override
    public void close() {
        running = false;
        synchronized (progress) {
            progress.notifyAll();
        }
        if (consumer != null) {
            consumer.wakeup();
        }
        if (reader != null) {
            try {
                reader.join(TimeUnit.SECONDS.toMillis(10));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        writeLock.lock();
        try {
            discardProducer();
        } finally {
            writeLock.unlock();
        }
        if (admin != null) {
            admin.close(Duration.ofSeconds(5));
        }
    }

    private long append(List<Entry> entries) {
        producer.beginTransaction();
        List<Future<RecordMetadata>> sent = new ArrayList<>(entries.size());
        for (Entry entry : entries) {
            sent.add(producer.send(new ProducerRecord<>(config.topic(), 0, entry.key(), entry.value())));
        }
        producer.commitTransaction();
        long last = -1;
        for (Future<RecordMetadata> future : sent) {
            try {
                last = Math.max(last, future.get().offset());
            } catch (ExecutionException e) {
                throw e.getCause() instanceof KafkaException kafka ? kafka : new KafkaException(e.getCause());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw RegistryError.storeError("interrupted writing to the schema log", e);
            }
        }
        return last;
    }

    private KafkaProducer<String, String> newProducer() {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers());
        p.put(ProducerConfig.CLIENT_ID_CONFIG, clientId("writer"));
        p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, config.transactionalId());
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.LINGER_MS_CONFIG, 0);
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, (int) WAIT_TIMEOUT.toMillis());
        p.put(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, (int) WAIT_TIMEOUT.toMillis());
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        KafkaProducer<String, String> fresh = new KafkaProducer<>(p);
        try {
            fresh.initTransactions(); // from here on every other instance's producer is fenced
            LOG.debug("instance {} initialised a producer", instanceId);
            return fresh;
        } catch (RuntimeException e) {
            fresh.close(Duration.ZERO);
            throw e;
        }
    }

    private void discardProducer() {
        if (producer != null) {
            try {
                producer.close(Duration.ZERO);
            } catch (RuntimeException e) {
                LOG.debug("closing a failed producer: {}", e.toString());
            }
            producer = null;
        }
    }

    private Properties consumerProperties() {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers());
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, clientId("reader"));
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, IsolationLevel.READ_COMMITTED.toString().toLowerCase());
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 100); // a write waits for its own record to come back
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        return p;
    }

    private void readLoop() {
        try {
            while (running) {
                for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(200))) {
                    state.apply(record.key(), record.value());
                }
                long reached = consumer.position(partition);
                synchronized (progress) {
                    position = reached;
                    progress.notifyAll();
                }
            }
        } catch (WakeupException e) {
            // close() stops the reader
        } catch (RuntimeException e) {
            LOG.error("the reader of schema log {} stopped", config.topic(), e);
            synchronized (progress) {
                readerFailure = e;
                progress.notifyAll();
            }
        } finally {
            consumer.close(Duration.ZERO);
        }
    }

    private long currentPosition() {
        synchronized (progress) {
            return position;
        }
    }

    private void awaitPosition(long target) {
        long deadline = System.nanoTime() + WAIT_TIMEOUT.toNanos();
        synchronized (progress) {
            while (position < target) {
                if (readerFailure != null) {
                    throw RegistryError.storeError("the schema log reader failed: " + readerFailure, readerFailure);
                }
                if (!running) {
                    throw RegistryError.storeError("the schema registry is shutting down", null);
                }
                long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
                if (left <= 0) {
                    throw RegistryError.timeout("timed out after " + WAIT_TIMEOUT.toSeconds() + " s reading the schema log "
                            + config.topic() + " up to offset " + target + "; read up to " + position);
                }
                try {
                    progress.wait(left);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw RegistryError.storeError("interrupted reading the schema log", e);
                }
            }
        }
    }

    /**
     * The offset after the last committed record (the last stable offset), what read_committed can see.
     * Retriable metadata errors are retried until {@link #WAIT_TIMEOUT}: right after the log is created, the
     * broker may not know the topic yet ("metadata for topic _schemas could not be found").
     */
    private long endOffset() {
        long deadline = System.nanoTime() + WAIT_TIMEOUT.toNanos();
        try {
            for (int attempt = 1; ; attempt++) {
                try {
                    return admin.listOffsets(Map.of(partition, OffsetSpec.latest()),
                                    new ListOffsetsOptions(IsolationLevel.READ_COMMITTED))
                            .partitionResult(partition)
                            .get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)
                            .offset();
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof RetriableException) || System.nanoTime() > deadline) {
                        throw e.getCause() instanceof KafkaException kafka ? kafka : new KafkaException(e.getCause());
                    }
                    pause(Math.min(attempt, 10));
                }
            }
        } catch (TimeoutException e) {
            throw RegistryError.timeout("timed out finding the end of the schema log " + config.topic());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw RegistryError.storeError("interrupted finding the end of the schema log", e);
        }
    }

    private void ensureTopic() {
        String topic = config.topic();
        try {
            try {
                TopicDescription description = admin.describeTopics(List.of(topic)).allTopicNames()
                        .get(WAIT_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS).get(topic);
                if (description.partitions().size() != 1) {
                    throw new IllegalStateException("the schema log " + topic + " must have exactly one partition, it has "
                            + description.partitions().size());
                }
                return;
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof UnknownTopicOrPartitionException)) {
                    throw new IllegalStateException("cannot describe the schema log " + topic, e.getCause());
                }
            }
            int brokers = admin.describeCluster().nodes().get(WAIT_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS).size();
            short replicas = (short) Math.max(1, Math.min(3, brokers));
            NewTopic log = new NewTopic(topic, 1, replicas)
                    .configs(Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT));
            try {
                admin.createTopics(List.of(log)).all().get(WAIT_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
                LOG.info("created the schema log {} (1 partition, compacted, replication factor {})", topic, replicas);
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof TopicExistsException)) {
                    throw new IllegalStateException("cannot create the schema log " + topic, e.getCause());
                }
                // another instance created it at the same moment
            }
        } catch (ExecutionException e) {
            throw new IllegalStateException("cannot reach the Kafka cluster " + config.bootstrapServers(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted preparing the schema log " + topic, e);
        } catch (TimeoutException e) {
            throw new IllegalStateException("timed out preparing the schema log " + topic + " on "
                    + config.bootstrapServers(), e);
        }
    }

    private String clientId(String role) {
        return config.transactionalId() + "-" + role + "-" + instanceId;
    }

    private static void pause(int attempt) {
        try {
            Thread.sleep(ThreadLocalRandom.current().nextLong(10, 50L * attempt + 11));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw RegistryError.storeError("interrupted while retrying on the schema log", e);
        }
    }
}
