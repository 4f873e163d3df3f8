package io.matchstream.ingest;

import io.matchstream.events.RawProfileDeletion;
import io.matchstream.events.RawProfileUpload;
import io.matchstream.events.RawSwipe;
import io.matchstream.schemas.Topics;
import io.matchstream.schemas.wire.AvroSerializer;
import io.matchstream.schemas.wire.SchemaRegistry;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;
import org.apache.avro.specific.SpecificRecord;

/**
 * A deterministic mix of raw events of every kind (valid, duplicate, and each way of being invalid),
 * with the counts a correct ingest job must produce on each output.
 */
final class EventMix {
    /** One raw record to publish: topic, key and value bytes exactly as they go on the wire. */
    record Raw(String topic, byte[] key, byte[] value) {}

    final List<Raw> records = new ArrayList<>();
    final Map<String, Integer> expectedDeadLetters = new TreeMap<>();
    int expectedSwipes;
    int expectedProfiles;
    int expectedDeletions;

    private final AvroSerializer<RawSwipe> swipes;
    private final AvroSerializer<RawProfileUpload> uploads;
    private final AvroSerializer<RawProfileDeletion> deletions;
    private final int swipeSchemaId;
    private final Instant now = Instant.now();
    private int next;

    EventMix(SchemaRegistry registry) {
        swipes = Topics.RAW_SWIPES.valueSerializer(registry);
        uploads = Topics.RAW_PROFILE_UPLOADS.valueSerializer(registry);
        deletions = Topics.RAW_PROFILE_DELETIONS.valueSerializer(registry);
        swipeSchemaId = registry.register(Topics.RAW_SWIPES.valueSubject(), RawSwipe.getClassSchema());
    }

    /** Exactly {@code total} records: per-reason invalid ones first, then valid ones with 10% duplicates. */
    static EventMix of(SchemaRegistry registry, int total) {
        EventMix mix = new EventMix(registry);
        mix.addInvalid();
        mix.addProfiles(40);
        mix.addDeletions(20);
        while (mix.records.size() < total) {
            mix.addSwipe(mix.records.size() % 10 == 0);
        }
        return mix;
    }

    int expectedCleanRecords() {
        // profiles also write profile-attributes; deletions also write its tombstone
        return expectedSwipes + 2 * expectedProfiles + 2 * expectedDeletions;
    }

    int expectedDeadLetterCount() {
        return expectedDeadLetters.values().stream().mapToInt(Integer::intValue).sum();
    }

    void addSwipe(boolean withDuplicate) {
        RawSwipe swipe = swipe("u" + (next % 97), "u" + (next % 89 + 100), next % 3 == 0 ? "pass" : "like");
        add(Topics.RAW_SWIPES.name(), swipe.getSwiperId(), swipes.serialize(Topics.RAW_SWIPES.name(), swipe));
        if (withDuplicate) {
            add(Topics.RAW_SWIPES.name(), swipe.getSwiperId(), swipes.serialize(Topics.RAW_SWIPES.name(), swipe));
        }
        expectedSwipes++;
    }

    void addProfiles(int count) {
        for (int i = 0; i < count; i++) {
            RawProfileUpload p = profile("p" + i, b -> {}, i % 2 == 0 ? SamplePhotos.jpeg(64, 80) : SamplePhotos.png(48, 48));
            byte[] bytes = uploads.serialize(Topics.RAW_PROFILE_UPLOADS.name(), p);
            add(Topics.RAW_PROFILE_UPLOADS.name(), p.getUserId(), bytes);
            if (i % 4 == 0) {
                add(Topics.RAW_PROFILE_UPLOADS.name(), p.getUserId(), bytes); // a producer retry
            }
            expectedProfiles++;
        }
    }

    void addDeletions(int count) {
        for (int i = 0; i < count; i++) {
            RawProfileDeletion d = new RawProfileDeletion(id(), "gone" + i, now);
            add(Topics.RAW_PROFILE_DELETIONS.name(), d.getUserId(), deletions.serialize(Topics.RAW_PROFILE_DELETIONS.name(), d));
            expectedDeletions++;
        }
    }

    void addInvalid() {
        String s = Topics.RAW_SWIPES.name();
        String p = Topics.RAW_PROFILE_UPLOADS.name();
        for (int i = 0; i < 3; i++) {
            invalid("self_swipe", s, swipe("same", "same", "like"));
            invalid("unknown_action", s, swipe("a", "b", "wink"));
            invalid("missing_field", s, swipe(null, "b", "like"));
            RawSwipe future = swipe("a", "b", "like");
            future.setTimestamp(now.plusSeconds(3600));
            invalid("future_timestamp", s, future);
            invalid("age_under_18", p, profile("young", b -> b.setAge(17), SamplePhotos.jpeg(64, 64)));
            invalid("lat_out_of_range", p, profile("lat", b -> b.setLat(91.0), SamplePhotos.jpeg(64, 64)));
            invalid("lon_out_of_range", p, profile("lon", b -> b.setLon(-180.5), SamplePhotos.jpeg(64, 64)));
            invalid("invalid_field", p, profile("gender", b -> b.setGender("Q"), SamplePhotos.jpeg(64, 64)));
            invalid("photo_missing", p, profile("nophoto", b -> {}, null));
            invalid("photo_not_image", p, profile("gif", b -> {}, "GIF89a not really".getBytes(StandardCharsets.US_ASCII)));
            invalid("photo_dimensions", p, profile("bomb", b -> {}, SamplePhotos.pngClaiming(100_000, 100_000)));
            invalid("photo_corrupt", p, profile("cut", b -> {}, SamplePhotos.truncatedJpeg()));
            deadLetter("wrong_magic_byte", s, new byte[] {1, 0, 0, 0, 1, 2, 3});
            deadLetter("unknown_schema_id", s, new byte[] {0, 0, 0x0f, 0x42, 0x3f, 2, 4});
            deadLetter("truncated", s, new byte[] {0, 0});
            deadLetter("undecodable", s, framedGarbage());
        }
        // One photo over the 10 MB limit.
        invalid("photo_too_large", p, profile("huge", b -> {}, new byte[10 * 1024 * 1024 + 1]));
    }

    private byte[] framedGarbage() {
        // A valid header with the real swipe schema id, then a string length that runs past the end.
        ByteBuffer buf = ByteBuffer.allocate(8);
        buf.put((byte) 0).putInt(swipeSchemaId).put((byte) 2).put((byte) 0x7f).put((byte) 'x');
        return buf.array();
    }

    private void invalid(String reason, String topic, SpecificRecord value) {
        byte[] bytes = value instanceof RawSwipe sw ? swipes.serialize(topic, sw)
                : uploads.serialize(topic, (RawProfileUpload) value);
        deadLetter(reason, topic, bytes);
    }

    private void deadLetter(String reason, String topic, byte[] bytes) {
        add(topic, "bad", bytes);
        expectedDeadLetters.merge(reason, 1, Integer::sum);
    }

    private void add(String topic, String key, byte[] value) {
        records.add(new Raw(topic, key == null ? null : key.getBytes(StandardCharsets.UTF_8), value));
    }

    RawSwipe swipe(String from, String to, String action) {
        return new RawSwipe(id(), from, to, action, now);
    }

    RawProfileUpload profile(String user, Consumer<RawProfileUpload.Builder> change, byte[] photo) {
        RawProfileUpload.Builder b = RawProfileUpload.newBuilder()
                .setEventId(id()).setUserId(user).setGender("F").setSeeking(List.of("M", "X"))
                .setAge(30).setLat(48.85).setLon(2.35).setTimestamp(now)
                .setPhoto(photo == null ? null : ByteBuffer.wrap(photo));
        change.accept(b);
        return b.build();
    }

    private String id() {
        return "evt-" + (next++);
    }
}
