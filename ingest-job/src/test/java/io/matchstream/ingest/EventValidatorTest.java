package io.matchstream.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import io.matchstream.events.DeadLetter;
import io.matchstream.events.Gender;
import io.matchstream.events.PhotoFormat;
import io.matchstream.events.ProfileAttributes;
import io.matchstream.events.ProfileUpload;
import io.matchstream.events.Swipe;
import io.matchstream.events.SwipeAction;
import io.matchstream.schemas.Topics;
import io.matchstream.schemas.flink.Outgoing;
import io.matchstream.schemas.flink.RawEvent;
import io.matchstream.schemas.wire.InMemorySchemaRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class EventValidatorTest {
    private final InMemorySchemaRegistry registry = new InMemorySchemaRegistry();
    private final EventValidator validator = new EventValidator(registry, IngestConfig.defaults(), Clock.systemUTC());
    private final EventMix mix = new EventMix(registry);

    @Test
    void everyKindOfBadRecordGetsItsReason() {
        EventMix full = EventMix.of(registry, 600);
        Map<String, Integer> reasons = new TreeMap<>();
        int valid = 0;
        long offset = 0;
        for (EventMix.Raw r : full.records) {
            try {
                validator.validate(new RawEvent(r.topic(), 0, offset++, 0, r.key(), r.value()));
                valid++;
            } catch (RejectedEventException e) {
                reasons.merge(e.reason().code(), 1, Integer::sum);
            }
        }
        assertThat(reasons).isEqualTo(full.expectedDeadLetters);
        assertThat(reasons.keySet()).hasSizeGreaterThanOrEqualTo(17);
        assertThat(valid).isEqualTo(full.records.size() - full.expectedDeadLetterCount());
    }

    @Test
    void swipeIsNormalisedAndKeyedBySwiper() throws Exception {
        ValidatedEvent event = validate(Topics.RAW_SWIPES.name(), mix.swipe("ann", "bob", " SuperLike "));
        Swipe swipe = Topics.SWIPES.valueDeserializer(registry).deserialize(Topics.SWIPES.name(), event.primary.value);
        assertThat(swipe.getAction()).isEqualTo(SwipeAction.SUPERLIKE);
        assertThat(event.primary.topic).isEqualTo(Topics.SWIPES.name());
        assertThat(new String(event.primary.key, StandardCharsets.UTF_8)).isEqualTo("ann");
        assertThat(event.dedupKey).isEqualTo("s:" + swipe.getEventId());
        assertThat(event.secondary).isNull();
    }

    @Test
    void profileResolvesAgeFromBirthDateAndFillsPreferenceDefaults() throws Exception {
        var raw = mix.profile("cat", b -> b.setAge(null).setBirthDate("1990-06-15").setSeeking(java.util.List.of("m", "F", "M")),
                SamplePhotos.jpeg(120, 160));
        ValidatedEvent event = validate(Topics.RAW_PROFILE_UPLOADS.name(), raw);
        ProfileUpload upload = Topics.PROFILE_UPLOADS.valueDeserializer(registry).deserialize("", event.primary.value);
        int expectedAge = java.time.Period.between(java.time.LocalDate.of(1990, 6, 15),
                java.time.LocalDate.ofInstant(raw.getTimestamp(), java.time.ZoneOffset.UTC)).getYears();
        assertThat(upload.getAge()).isEqualTo(expectedAge);
        assertThat(upload.getSeeking()).containsExactly(Gender.M, Gender.F);
        assertThat(upload.getPhotoFormat()).isEqualTo(PhotoFormat.JPEG);
        assertThat(upload.getPhotoWidth()).isEqualTo(120);
        assertThat(upload.getPhotoHeight()).isEqualTo(160);
        assertThat(upload.getMinAge()).isEqualTo(18);
        assertThat(upload.getMaxAge()).isEqualTo(99);
        assertThat(upload.getMaxDistanceKm()).isEqualTo(50.0);
        ProfileAttributes attrs = Topics.PROFILE_ATTRIBUTES.valueDeserializer(registry).deserialize("", event.secondary.value);
        assertThat(event.secondary.topic).isEqualTo(Topics.PROFILE_ATTRIBUTES.name());
        assertThat(attrs.getUserId()).isEqualTo("cat");
        assertThat(attrs.getAge()).isEqualTo(expectedAge);
    }

    @Test
    void photoByReferenceIsAccepted() throws Exception {
        var raw = mix.profile("dan", b -> b.setPhotoUri("https://cdn.example/p/dan.jpg"), null);
        ProfileUpload upload = Topics.PROFILE_UPLOADS.valueDeserializer(registry)
                .deserialize("", validate(Topics.RAW_PROFILE_UPLOADS.name(), raw).primary.value);
        assertThat(upload.getPhotoFormat()).isEqualTo(PhotoFormat.URI);
        assertThat(upload.getPhotoUri()).isEqualTo("https://cdn.example/p/dan.jpg");
    }

    @Test
    void invertedAgeRangeIsRefused() {
        var raw = mix.profile("eve", b -> b.setMinAge(40).setMaxAge(30), SamplePhotos.png(32, 32));
        assertThatThrownBy(() -> validate(Topics.RAW_PROFILE_UPLOADS.name(), raw))
                .isInstanceOfSatisfying(RejectedEventException.class, e -> assertThat(e.reason()).isEqualTo(RejectReason.INVALID_FIELD));
    }

    @Test
    void decompressionBombIsRefusedFromItsHeaderAlone() {
        var raw = mix.profile("bomb", b -> {}, SamplePhotos.pngClaiming(60_000, 60_000));
        long start = System.nanoTime();
        assertThatThrownBy(() -> validate(Topics.RAW_PROFILE_UPLOADS.name(), raw))
                .isInstanceOfSatisfying(RejectedEventException.class, e -> assertThat(e.reason()).isEqualTo(RejectReason.PHOTO_DIMENSIONS));
        // 3.6 billion pixels were never allocated: decoding them would need ~14 GB and many seconds.
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
    }

    @Test
    void deletionAlsoTombstonesTheProfileAttributes() throws Exception {
        var raw = new io.matchstream.events.RawProfileDeletion("del-1", "fay", java.time.Instant.now());
        byte[] bytes = Topics.RAW_PROFILE_DELETIONS.valueSerializer(registry).serialize(Topics.RAW_PROFILE_DELETIONS.name(), raw);
        ValidatedEvent event = validator.validate(new RawEvent(Topics.RAW_PROFILE_DELETIONS.name(), 0, 0, 0, null, bytes));
        assertThat(event.primary.topic).isEqualTo(Topics.PROFILE_DELETIONS.name());
        assertThat(event.secondary.topic).isEqualTo(Topics.PROFILE_ATTRIBUTES.name());
        assertThat(event.secondary.value).isNull();
        assertThat(new String(event.secondary.key, StandardCharsets.UTF_8)).isEqualTo("fay");
    }

    @Test
    void deadLetterKeepsPositionReasonAndExactBytes() {
        byte[] value = {1, 2, 3};
        byte[] key = {9};
        Outgoing out = validator.deadLetter(new RawEvent("raw.swipes", 3, 42, 0, key, value), RejectReason.WRONG_MAGIC_BYTE, "magic");
        DeadLetter letter = Topics.DEAD_LETTERS.valueDeserializer(registry).deserialize("", out.value);
        assertThat(out.topic).isEqualTo(Topics.DEAD_LETTERS.name());
        assertThat(letter.getSourceTopic()).isEqualTo("raw.swipes");
        assertThat(letter.getSourcePartition()).isEqualTo(3);
        assertThat(letter.getSourceOffset()).isEqualTo(42);
        assertThat(letter.getReasonCode()).isEqualTo("wrong_magic_byte");
        assertThat(letter.getRawValue().array()).containsExactly(1, 2, 3);
        assertThat(letter.getRawKey().array()).containsExactly(9);
    }

    private ValidatedEvent validate(String topic, org.apache.avro.specific.SpecificRecord value) throws RejectedEventException {
        byte[] bytes = value instanceof io.matchstream.events.RawSwipe s
                ? Topics.RAW_SWIPES.valueSerializer(registry).serialize(topic, s)
                : Topics.RAW_PROFILE_UPLOADS.valueSerializer(registry).serialize(topic, (io.matchstream.events.RawProfileUpload) value);
        return validator.validate(new RawEvent(topic, 0, 0, 0, null, bytes));
    }
}
