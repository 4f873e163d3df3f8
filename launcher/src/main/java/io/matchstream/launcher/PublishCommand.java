package io.matchstream.launcher;

import io.matchstream.events.RawProfileDeletion;
import io.matchstream.events.RawProfileUpload;
import io.matchstream.events.RawSwipe;
import io.matchstream.schemas.Topic;
import io.matchstream.schemas.Topics;
import io.matchstream.schemas.wire.SchemaRegistryClient;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/** {@code ./matchstream publish profile|swipe|delete ...}: what an app backend would send, by hand. */
final class PublishCommand {
    static final String USAGE = String.join("\n",
            "publish profile --user U (--photo FILE | --photo-uri URI) --gender F|M|X --seeking M[,F,X] (--age N | --birth-date YYYY-MM-DD)",
            "                --lat DEG --lon DEG [--min-age N] [--max-age N] [--max-distance-km KM] [--event-id ID]",
            "publish swipe --from U --to V --action like|pass|superlike|block [--event-id ID]",
            "publish delete --user U [--event-id ID]",
            "  common: [--bootstrap-servers localhost:9092] [--registry-url http://localhost:8085]");

    private PublishCommand() {}

    static int run(String[] args, PrintStream out) throws IOException {
        if (args.length == 0) {
            throw new UsageException("publish needs what to publish: profile, swipe or delete");
        }
        String what = args[0];
        Flags flags = new Flags(Arrays.copyOfRange(args, 1, args.length), Set.of());
        String bootstrap = flags.get("bootstrap-servers", "localhost:9092");
        String registryUrl = flags.get("registry-url", "http://localhost:8085");
        String eventId = flags.get("event-id", UUID.randomUUID().toString());
        Instant now = Instant.now();
        switch (what) {
            case "profile" -> {
                RawProfileUpload upload = profile(flags, eventId, now);
                flags.rejectUnknown();
                publish(bootstrap, registryUrl, Topics.RAW_PROFILE_UPLOADS, upload.getUserId(), upload, out);
            }
            case "swipe" -> {
                RawSwipe swipe = RawSwipe.newBuilder()
                        .setEventId(eventId)
                        .setSwiperId(flags.require("from"))
                        .setTargetId(flags.require("to"))
                        .setAction(flags.require("action"))
                        .setTimestamp(now)
                        .build();
                flags.rejectUnknown();
                publish(bootstrap, registryUrl, Topics.RAW_SWIPES, swipe.getSwiperId(), swipe, out);
            }
            case "delete" -> {
                RawProfileDeletion deletion = RawProfileDeletion.newBuilder()
                        .setEventId(eventId).setUserId(flags.require("user")).setTimestamp(now).build();
                flags.rejectUnknown();
                publish(bootstrap, registryUrl, Topics.RAW_PROFILE_DELETIONS, deletion.getUserId(), deletion, out);
            }
            default -> throw new UsageException("cannot publish '" + what + "': choose profile, swipe or delete");
        }
        return 0;
    }

    static RawProfileUpload profile(Flags flags, String eventId, Instant now) throws IOException {
        RawProfileUpload.Builder b = RawProfileUpload.newBuilder()
                .setEventId(eventId)
                .setUserId(flags.require("user"))
                .setGender(flags.require("gender"))
                .setSeeking(List.of(flags.require("seeking").split(",")))
                .setAge(flags.getInteger("age"))
                .setBirthDate(flags.get("birth-date", null))
                .setLat(flags.getDouble("lat"))
                .setLon(flags.getDouble("lon"))
                .setMinAge(flags.getInteger("min-age"))
                .setMaxAge(flags.getInteger("max-age"))
                .setMaxDistanceKm(flags.getDouble("max-distance-km"))
                .setPhotoUri(flags.get("photo-uri", null))
                .setTimestamp(now);
        String photo = flags.get("photo", null);
        if (photo != null) {
            try {
                b.setPhoto(ByteBuffer.wrap(Files.readAllBytes(Path.of(photo))));
            } catch (NoSuchFileException e) {
                throw new UsageException("--photo " + photo + ": no such file");
            }
        } else if (b.getPhotoUri() == null) {
            throw new UsageException("publish profile needs --photo FILE or --photo-uri URI");
        }
        return b.build();
    }

    static <V extends SpecificRecord> RecordMetadata publish(String bootstrap, String registryUrl, Topic<String, V> topic,
            String key, V value, PrintStream out) {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, Integer.toString(Topics.MAX_RECORD_BYTES));
        props.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, "15000");
        byte[] bytes = topic.valueSerializer(SchemaRegistryClient.forUrl(registryUrl)).serialize(topic.name(), value);
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer())) {
            RecordMetadata meta = producer.send(new ProducerRecord<>(topic.name(), key, bytes)).get(30, TimeUnit.SECONDS);
            out.printf("published %s to %s partition %d offset %d%n",
                    value.getSchema().getName(), meta.topic(), meta.partition(), meta.offset());
            return meta;
        } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException("cannot publish to " + topic.name() + " at " + bootstrap
                    + " (is `./matchstream local` running?): " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
