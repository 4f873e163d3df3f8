package io.matchstream.ingest;

import io.matchstream.events.Gender;
import io.matchstream.events.PhotoFormat;
import io.matchstream.events.ProfileAttributes;
import io.matchstream.events.ProfileDeletion;
import io.matchstream.events.ProfileUpload;
import io.matchstream.events.RawProfileDeletion;
import io.matchstream.events.RawProfileUpload;
import io.matchstream.events.RawSwipe;
import io.matchstream.events.Swipe;
import io.matchstream.events.SwipeAction;
import io.matchstream.schemas.Topic;
import io.matchstream.schemas.Topics;
import io.matchstream.schemas.flink.DeadLetters;
import io.matchstream.schemas.flink.Outgoing;
import io.matchstream.schemas.flink.RawEvent;
import io.matchstream.schemas.wire.AvroDeserializer;
import io.matchstream.schemas.wire.AvroSerializer;
import io.matchstream.schemas.wire.SchemaRegistry;
import io.matchstream.schemas.wire.WireFormatException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.Period;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.apache.avro.specific.SpecificRecord;

/**
 * The ingest job's rules, free of Flink: decode a raw record through the registry, check every field,
 * and encode the clean record(s) for their topics. A refused record raises
 * {@link RejectedEventException}; a registry that cannot be reached raises its own (transient) error,
 * which must restart the job rather than dead-letter good data.
 */
public final class EventValidator {
    static final int MIN_AGE = 18;
    static final int MAX_AGE = 120;
    static final int DEFAULT_MAX_PREFERRED_AGE = 99;
    static final double DEFAULT_MAX_DISTANCE_KM = 50;
    private static final int MIN_PHOTO_SIDE = 16;
    private static final Set<String> URI_SCHEMES = Set.of("http", "https", "s3", "gs", "file");

    private final Clock clock;
    private final IngestConfig config;
    private final PhotoInspector photos;
    private final AvroDeserializer<RawProfileUpload> rawUploads;
    private final AvroDeserializer<RawSwipe> rawSwipes;
    private final AvroDeserializer<RawProfileDeletion> rawDeletions;
    private final AvroSerializer<ProfileUpload> uploads;
    private final AvroSerializer<ProfileAttributes> attributes;
    private final AvroSerializer<Swipe> swipes;
    private final AvroSerializer<ProfileDeletion> deletions;
    private final DeadLetters deadLetters;

    public EventValidator(SchemaRegistry registry, IngestConfig config, Clock clock) {
        this.clock = clock;
        this.config = config;
        this.photos = new PhotoInspector(config.maxPhotoBytes(), MIN_PHOTO_SIDE, config.maxPhotoSide(), config.maxPhotoPixels());
        this.rawUploads = Topics.RAW_PROFILE_UPLOADS.valueDeserializer(registry);
        this.rawSwipes = Topics.RAW_SWIPES.valueDeserializer(registry);
        this.rawDeletions = Topics.RAW_PROFILE_DELETIONS.valueDeserializer(registry);
        this.uploads = Topics.PROFILE_UPLOADS.valueSerializer(registry);
        this.attributes = Topics.PROFILE_ATTRIBUTES.valueSerializer(registry);
        this.swipes = Topics.SWIPES.valueSerializer(registry);
        this.deletions = Topics.PROFILE_DELETIONS.valueSerializer(registry);
        this.deadLetters = new DeadLetters(registry, IngestConfig.JOB_NAME, clock);
    }

    public ValidatedEvent validate(RawEvent raw) throws RejectedEventException {
        if (raw.value == null) {
            throw new RejectedEventException(RejectReason.UNDECODABLE, "record has no value (tombstone)");
        }
        String topic = raw.topic;
        if (topic.equals(Topics.RAW_SWIPES.name())) {
            return swipe(decode(rawSwipes, raw));
        } else if (topic.equals(Topics.RAW_PROFILE_UPLOADS.name())) {
            return profile(decode(rawUploads, raw));
        } else if (topic.equals(Topics.RAW_PROFILE_DELETIONS.name())) {
            return deletion(decode(rawDeletions, raw));
        }
        throw new RejectedEventException(RejectReason.UNKNOWN_TOPIC, "the ingest job does not read " + topic);
    }

    /** The dead letter for a refused record: its position, reason and exact bytes. */
    public Outgoing deadLetter(RawEvent raw, RejectReason reason, String message) {
        return deadLetters.of(raw, reason.code(), message);
    }

    private ValidatedEvent swipe(RawSwipe in) throws RejectedEventException {
        String eventId = required(in.getEventId(), "eventId");
        String swiper = required(in.getSwiperId(), "swiperId");
        String target = required(in.getTargetId(), "targetId");
        String actionText = required(in.getAction(), "action");
        if (swiper.equals(target)) {
            throw new RejectedEventException(RejectReason.SELF_SWIPE, "user " + swiper + " swiped on themselves");
        }
        SwipeAction action = parseAction(actionText);
        notInFuture(in.getTimestamp());
        Swipe out = new Swipe(eventId, swiper, target, action, in.getTimestamp());
        return new ValidatedEvent("s:" + eventId, encode(Topics.SWIPES, swipes, swiper, out), null);
    }

    private ValidatedEvent profile(RawProfileUpload in) throws RejectedEventException {
        String eventId = required(in.getEventId(), "eventId");
        String user = required(in.getUserId(), "userId");
        Gender gender = parseGender(required(in.getGender(), "gender"), "gender");
        if (in.getSeeking() == null || in.getSeeking().isEmpty()) {
            throw new RejectedEventException(RejectReason.MISSING_FIELD, "seeking must name at least one gender");
        }
        List<Gender> seeking = new ArrayList<>(in.getSeeking().size());
        for (String g : in.getSeeking()) {
            Gender parsed = parseGender(g, "seeking");
            if (!seeking.contains(parsed)) {
                seeking.add(parsed);
            }
        }
        notInFuture(in.getTimestamp());
        int age = age(in);
        double lat = coordinate(in.getLat(), "lat", 90, RejectReason.LAT_OUT_OF_RANGE);
        double lon = coordinate(in.getLon(), "lon", 180, RejectReason.LON_OUT_OF_RANGE);
        int minAge = in.getMinAge() == null ? MIN_AGE : in.getMinAge();
        int maxAge = in.getMaxAge() == null ? DEFAULT_MAX_PREFERRED_AGE : in.getMaxAge();
        if (minAge < MIN_AGE || maxAge > MAX_AGE || minAge > maxAge) {
            throw new RejectedEventException(RejectReason.INVALID_FIELD,
                    "age range " + minAge + ".." + maxAge + " must lie within " + MIN_AGE + ".." + MAX_AGE);
        }
        double maxDistance = in.getMaxDistanceKm() == null ? DEFAULT_MAX_DISTANCE_KM : in.getMaxDistanceKm();
        if (!(maxDistance > 0 && maxDistance <= 20_100)) { // half the Earth's circumference bounds any distance
            throw new RejectedEventException(RejectReason.INVALID_FIELD, "maxDistanceKm " + maxDistance + " must be in (0, 20100]");
        }

        ByteBuffer photo = in.getPhoto();
        PhotoFormat format;
        int width = 0;
        int height = 0;
        if (photo != null) {
            byte[] bytes = new byte[photo.remaining()];
            photo.duplicate().get(bytes);
            PhotoInspector.Photo inspected = photos.inspect(bytes);
            format = inspected.format();
            width = inspected.width();
            height = inspected.height();
        } else if (in.getPhotoUri() != null) {
            checkUri(in.getPhotoUri());
            format = PhotoFormat.URI;
        } else {
            throw new RejectedEventException(RejectReason.PHOTO_MISSING, "neither photo bytes nor photoUri given");
        }

        ProfileUpload upload = ProfileUpload.newBuilder()
                .setEventId(eventId).setUserId(user)
                .setPhoto(photo).setPhotoUri(photo == null ? in.getPhotoUri() : null)
                .setPhotoFormat(format).setPhotoWidth(width).setPhotoHeight(height)
                .setGender(gender).setSeeking(seeking).setAge(age).setLat(lat).setLon(lon)
                .setMinAge(minAge).setMaxAge(maxAge).setMaxDistanceKm(maxDistance)
                .setTimestamp(in.getTimestamp())
                .build();
        ProfileAttributes attrs = ProfileAttributes.newBuilder()
                .setUserId(user).setGender(gender).setSeeking(seeking).setAge(age).setLat(lat).setLon(lon)
                .setMinAge(minAge).setMaxAge(maxAge).setMaxDistanceKm(maxDistance)
                .setUpdatedAt(in.getTimestamp())
                .build();
        return new ValidatedEvent("p:" + eventId,
                encode(Topics.PROFILE_UPLOADS, uploads, user, upload),
                encode(Topics.PROFILE_ATTRIBUTES, attributes, user, attrs));
    }

    private ValidatedEvent deletion(RawProfileDeletion in) throws RejectedEventException {
        String eventId = required(in.getEventId(), "eventId");
        String user = required(in.getUserId(), "userId");
        notInFuture(in.getTimestamp());
        ProfileDeletion out = new ProfileDeletion(eventId, user, in.getTimestamp());
        // The attributes topic is compacted: a tombstone removes the profile from every consumer's view.
        Outgoing tombstone = new Outgoing(Topics.PROFILE_ATTRIBUTES.name(), user.getBytes(StandardCharsets.UTF_8), null);
        return new ValidatedEvent("d:" + eventId, encode(Topics.PROFILE_DELETIONS, deletions, user, out), tombstone);
    }

    private int age(RawProfileUpload in) throws RejectedEventException {
        int age;
        if (in.getBirthDate() != null) {
            LocalDate birth;
            try {
                birth = LocalDate.parse(in.getBirthDate());
            } catch (DateTimeParseException e) {
                throw new RejectedEventException(RejectReason.INVALID_FIELD, "birthDate '" + in.getBirthDate() + "' is not an ISO date");
            }
            age = Period.between(birth, LocalDate.ofInstant(in.getTimestamp(), ZoneOffset.UTC)).getYears();
        } else if (in.getAge() != null) {
            age = in.getAge();
        } else {
            throw new RejectedEventException(RejectReason.MISSING_FIELD, "neither birthDate nor age given");
        }
        if (age < MIN_AGE) {
            throw new RejectedEventException(RejectReason.AGE_UNDER_18, "age " + age + " is under " + MIN_AGE);
        }
        if (age > MAX_AGE) {
            throw new RejectedEventException(RejectReason.AGE_OUT_OF_RANGE, "age " + age + " is over " + MAX_AGE);
        }
        return age;
    }

    private static double coordinate(Double value, String field, double limit, RejectReason reason) throws RejectedEventException {
        if (value == null) {
            throw new RejectedEventException(RejectReason.MISSING_FIELD, field + " is missing");
        }
        if (!(value >= -limit && value <= limit)) { // also refuses NaN
            throw new RejectedEventException(reason, field + " " + value + " is outside [-" + limit + ", " + limit + "]");
        }
        return value;
    }

    private static void checkUri(String text) throws RejectedEventException {
        try {
            URI uri = new URI(text);
            if (uri.getScheme() == null || !URI_SCHEMES.contains(uri.getScheme().toLowerCase(Locale.ROOT))) {
                throw new RejectedEventException(RejectReason.INVALID_FIELD, "photoUri scheme must be one of " + URI_SCHEMES);
            }
        } catch (java.net.URISyntaxException e) {
            throw new RejectedEventException(RejectReason.INVALID_FIELD, "photoUri is not a URI: " + e.getMessage());
        }
    }

    private void notInFuture(Instant timestamp) throws RejectedEventException {
        Instant limit = clock.instant().plus(config.maxFutureSkew());
        if (timestamp.isAfter(limit)) {
            throw new RejectedEventException(RejectReason.FUTURE_TIMESTAMP,
                    "timestamp " + timestamp + " is more than " + config.maxFutureSkew().toSeconds() + " s in the future");
        }
    }

    private static String required(String value, String field) throws RejectedEventException {
        if (value == null || value.isBlank()) {
            throw new RejectedEventException(RejectReason.MISSING_FIELD, field + " is missing");
        }
        return value;
    }

    private static Gender parseGender(String text, String field) throws RejectedEventException {
        switch (text.trim().toUpperCase(Locale.ROOT)) {
            case "F": case "FEMALE": case "W": case "WOMAN": return Gender.F;
            case "M": case "MALE": case "MAN": return Gender.M;
            case "X": case "NONBINARY": case "NON-BINARY": case "OTHER": return Gender.X;
            default: throw new RejectedEventException(RejectReason.INVALID_FIELD, field + " '" + text + "' is not F, M or X");
        }
    }

    private static SwipeAction parseAction(String text) throws RejectedEventException {
        switch (text.trim().toUpperCase(Locale.ROOT)) {
            case "LIKE": return SwipeAction.LIKE;
            case "PASS": return SwipeAction.PASS;
            case "SUPERLIKE": case "SUPER_LIKE": return SwipeAction.SUPERLIKE;
            case "BLOCK": return SwipeAction.BLOCK;
            default: throw new RejectedEventException(RejectReason.UNKNOWN_ACTION, "action '" + text + "' is not like, pass, superlike or block");
        }
    }

    private static <T extends SpecificRecord> T decode(AvroDeserializer<T> deserializer, RawEvent raw) throws RejectedEventException {
        try {
            return deserializer.deserialize(raw.topic, raw.value);
        } catch (WireFormatException e) {
            throw new RejectedEventException(RejectReason.valueOf(e.reason().name()), e.getMessage());
        }
    }

    private static <T extends SpecificRecord> Outgoing encode(Topic<String, T> topic, AvroSerializer<T> serializer, String key, T value) {
        return new Outgoing(topic.name(), key.getBytes(StandardCharsets.UTF_8), serializer.serialize(topic.name(), value));
    }
}
