package io.matchstream.embedding;

import io.matchstream.events.ProfileEmbedding;
import io.matchstream.events.ProfileUpload;
import io.matchstream.schemas.Topics;
import io.matchstream.schemas.flink.DeadLetters;
import io.matchstream.schemas.flink.Outgoing;
import io.matchstream.schemas.flink.RawEvent;
import io.matchstream.schemas.wire.AvroDeserializer;
import io.matchstream.schemas.wire.AvroSerializer;
import io.matchstream.schemas.wire.RegistryConnector;
import io.matchstream.schemas.wire.SchemaRegistry;
import io.matchstream.schemas.wire.WireFormatException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.api.common.operators.ProcessingTimeService.ProcessingTimeCallback;

/**
 * Embeds validated profile photos in micro-batches: a batch goes to the model when it holds
 * {@code batch-size} photos, when its oldest photo has waited {@code batch-max-wait-ms}, before every
 * checkpoint barrier (so no photo is ever in flight across a checkpoint: exactly once without operator
 * state) and at the end of input. Output keeps input order. The detector and encoder are loaded once per
 * task, in {@link #open()}. A deletion flushes the batch first, then tombstones the user's embedding.
 *
 * <p>Metrics besides the counts: {@value #EMBED_MICROS_PER_FACE}, one value a batch, its embedding time (decode,
 * detect, align, encode, head) over its photos, so that batches of any size compare; and
 * {@value #FACE_LATENCY_MICROS}, one value a photo, from its arrival in this operator to its embedding, waiting
 * for the batch to fill included. Both keep their last {@value #HISTOGRAM_VALUES} values.
 */
public class EmbedOperator extends AbstractStreamOperator<Outgoing>
        implements OneInputStreamOperator<RawEvent, Outgoing>, ProcessingTimeCallback {

    public static final String EMBED_MICROS_PER_FACE = "embedMicrosPerFace";
    public static final String FACE_LATENCY_MICROS = "faceLatencyMicros";
    static final int HISTOGRAM_VALUES = 4096;

    private final HashMap<String, String> flags;
    private final RegistryConnector registry;
    private transient EmbeddingConfig config;
    private transient FaceDetector detector;
    private transient FaceLandmarks landmarks;
    private transient ImageEncoder encoder;
    private transient ProjectionHead head;
    private transient PhotoEmbedder embedder;
    private transient AvroDeserializer<ProfileUpload> uploads;
    private transient AvroSerializer<ProfileEmbedding> embeddings;
    private transient DeadLetters deadLetters;
    private transient List<RawEvent> pendingRaw;
    private transient List<ProfileUpload> pending;
    /** System.nanoTime() at which each pending photo arrived. */
    private transient long[] arrivals;
    private transient boolean timerSet;
    private transient Counter embedded;
    private transient Counter refused;
    private transient RecentValuesHistogram embedMicrosPerFace;
    private transient RecentValuesHistogram faceLatencyMicros;

    public EmbedOperator(EmbeddingConfig config, RegistryConnector registry) {
        this.flags = config.toFlags();
        this.registry = registry;
    }

    @Override
    public void open() throws Exception {
        super.open();
        config = EmbeddingConfig.fromFlags(flags, java.util.Map.of());
        detector = FaceDetector.open(config);
        landmarks = FaceLandmarks.open(config);
        encoder = config.openEncoder();
        head = config.openHead().orElse(null);
        PhotoEmbedder.useInferenceThreads(config.job().inferenceThreads());
        String warning = InferenceDevice.precisionWarning(detector.device(), System.getenv());
        if (warning != null) {
            org.slf4j.LoggerFactory.getLogger(EmbedOperator.class).warn(warning);
        }
        embedder = new PhotoEmbedder(detector, landmarks, encoder, head, config.job().ambiguousAreaRatio(), config.job().faceMargin(),
                config.job().centreCropFallback());
        SchemaRegistry schemas = registry.connect();
        uploads = Topics.PROFILE_UPLOADS.valueDeserializer(schemas);
        embeddings = Topics.PROFILE_EMBEDDINGS.valueSerializer(schemas);
        deadLetters = new DeadLetters(schemas, EmbeddingConfig.JOB_NAME, Clock.systemUTC());
        pendingRaw = new ArrayList<>();
        pending = new ArrayList<>();
        embedded = getMetricGroup().counter("embeddedPhotos");
        refused = getMetricGroup().counter("refusedPhotos");
        embedMicrosPerFace = getMetricGroup().histogram(EMBED_MICROS_PER_FACE, new RecentValuesHistogram(HISTOGRAM_VALUES));
        faceLatencyMicros = getMetricGroup().histogram(FACE_LATENCY_MICROS, new RecentValuesHistogram(HISTOGRAM_VALUES));
        arrivals = new long[config.job().batchSize()];
    }

    @Override
    public void processElement(StreamRecord<RawEvent> element) {
        RawEvent raw = element.getValue();
        if (raw.topic.equals(Topics.PROFILE_DELETIONS.name())) {
            flush();
            // The embeddings topic is compacted: a tombstone removes the user's vector everywhere.
            output.collect(new StreamRecord<>(new Outgoing(Topics.PROFILE_EMBEDDINGS.name(), raw.key, null)));
            return;
        }
        ProfileUpload upload;
        try {
            upload = uploads.deserialize(raw.topic, raw.value);
        } catch (WireFormatException e) {
            refused.inc();
            output.collect(new StreamRecord<>(deadLetters.of(raw, e.reason().code(), e.getMessage())));
            return;
        }
        arrivals[pending.size()] = System.nanoTime();
        pendingRaw.add(raw);
        pending.add(upload);
        if (pending.size() >= config.job().batchSize()) {
            flush();
        } else if (!timerSet) {
            timerSet = true;
            long now = getProcessingTimeService().getCurrentProcessingTime();
            getProcessingTimeService().registerTimer(now + config.job().batchMaxWaitMs(), this);
        }
    }

    @Override
    public void onProcessingTime(long time) {
        timerSet = false;
        flush();
    }

    @Override
    public void prepareSnapshotPreBarrier(long checkpointId) throws Exception {
        super.prepareSnapshotPreBarrier(checkpointId);
        flush();
    }

    @Override
    public void finish() throws Exception {
        flush();
        super.finish();
    }

    private void flush() {
        if (pending.isEmpty()) {
            return;
        }
        long start = System.nanoTime();
        List<PhotoEmbedder.Outcome> outcomes = embedder.embed(pending);
        long done = System.nanoTime();
        embedMicrosPerFace.update((done - start) / 1000 / pending.size());
        for (int i = 0; i < pending.size(); i++) {
            faceLatencyMicros.update((done - arrivals[i]) / 1000);
        }
        for (int i = 0; i < outcomes.size(); i++) {
            RawEvent raw = pendingRaw.get(i);
            if (outcomes.get(i) instanceof PhotoEmbedder.Embedded e) {
                embedded.inc();
                String topic = Topics.PROFILE_EMBEDDINGS.name();
                byte[] key = e.embedding().getUserId().getBytes(StandardCharsets.UTF_8);
                output.collect(new StreamRecord<>(new Outgoing(topic, key, embeddings.serialize(topic, e.embedding()))));
            } else if (outcomes.get(i) instanceof PhotoEmbedder.Refused r) {
                refused.inc();
                output.collect(new StreamRecord<>(deadLetters.of(raw, r.reasonCode(), r.message())));
            }
        }
        pending.clear();
        pendingRaw.clear();
    }

    @Override
    public void close() throws Exception {
        try {
            if (encoder != null) {
                encoder.close();
            }
            if (detector != null) {
                detector.close();
            }
            if (landmarks != null) {
                landmarks.close();
            }
            if (head != null) {
                head.close();
            }
        } finally {
            super.close();
        }
    }
}
