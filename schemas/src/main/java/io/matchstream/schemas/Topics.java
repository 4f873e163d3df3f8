package io.matchstream.schemas;

import io.matchstream.events.DeadLetter;
import io.matchstream.events.Match;
import io.matchstream.events.PreferenceUpdate;
import io.matchstream.events.ProfileAttributes;
import io.matchstream.events.ProfileDeletion;
import io.matchstream.events.ProfileEmbedding;
import io.matchstream.events.ProfileUpload;
import io.matchstream.events.RawProfileDeletion;
import io.matchstream.events.RawProfileUpload;
import io.matchstream.events.RawSwipe;
import io.matchstream.events.Swipe;
import io.matchstream.events.TrainingTriplet;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Serdes;

/**
 * Every topic of matchstream, declared once. Jobs, the index sink and the CLI look topics up here and
 * never spell a topic name themselves. Keys are UTF-8 strings (a user id unless said otherwise).
 */
public final class Topics {

    /** Largest record a topic accepts: a 10 MB photo plus its envelope. */
    public static final int MAX_RECORD_BYTES = 11 * 1024 * 1024;

    private static final int EVENT_PARTITIONS = 4;
    private static final Optional<Duration> WEEK = Optional.of(Duration.ofDays(7));
    private static final Optional<Duration> MONTH = Optional.of(Duration.ofDays(30));

    public static final Topic<String, RawProfileUpload> RAW_PROFILE_UPLOADS = new Topic<>(
            "raw.profile-uploads", Serdes.String(), RawProfileUpload.class, EVENT_PARTITIONS,
            CleanupPolicy.DELETE, WEEK, "Profile photo uploads as app backends publish them (key: user id).");
    public static final Topic<String, RawSwipe> RAW_SWIPES = new Topic<>(
            "raw.swipes", Serdes.String(), RawSwipe.class, EVENT_PARTITIONS,
            CleanupPolicy.DELETE, WEEK, "Swipes as app backends publish them (key: swiper id).");
    public static final Topic<String, RawProfileDeletion> RAW_PROFILE_DELETIONS = new Topic<>(
            "raw.profile-deletions", Serdes.String(), RawProfileDeletion.class, EVENT_PARTITIONS,
            CleanupPolicy.DELETE, WEEK, "Profile deletion requests (key: user id).");

    public static final Topic<String, ProfileUpload> PROFILE_UPLOADS = new Topic<>(
            "profile-uploads", Serdes.String(), ProfileUpload.class, EVENT_PARTITIONS,
            CleanupPolicy.DELETE, WEEK, "Validated, de-duplicated profile uploads (key: user id).");
    public static final Topic<String, ProfileAttributes> PROFILE_ATTRIBUTES = new Topic<>(
            "profile-attributes", Serdes.String(), ProfileAttributes.class, EVENT_PARTITIONS,
            CleanupPolicy.COMPACT, Optional.empty(), "Latest filterable profile state; tombstone on deletion (key: user id).");
    public static final Topic<String, Swipe> SWIPES = new Topic<>(
            "swipes", Serdes.String(), Swipe.class, EVENT_PARTITIONS,
            CleanupPolicy.DELETE, WEEK, "Validated, de-duplicated swipes (key: swiper id).");
    public static final Topic<String, ProfileDeletion> PROFILE_DELETIONS = new Topic<>(
            "profile-deletions", Serdes.String(), ProfileDeletion.class, EVENT_PARTITIONS,
            CleanupPolicy.DELETE, MONTH, "Validated profile deletions (key: user id).");

    public static final Topic<String, ProfileEmbedding> PROFILE_EMBEDDINGS = new Topic<>(
            "profile-embeddings", Serdes.String(), ProfileEmbedding.class, EVENT_PARTITIONS,
            CleanupPolicy.COMPACT, Optional.empty(), "Latest photo embedding per user (key: user id).");
    public static final Topic<String, PreferenceUpdate> PREFERENCE_UPDATES = new Topic<>(
            "preference-updates", Serdes.String(), PreferenceUpdate.class, EVENT_PARTITIONS,
            CleanupPolicy.COMPACT, Optional.empty(), "Latest blended preference vector per user (key: user id).");
    public static final Topic<String, Match> MATCHES = new Topic<>(
            "matches", Serdes.String(), Match.class, EVENT_PARTITIONS,
            CleanupPolicy.COMPACT, Optional.empty(), "Mutual likes and their cancellations (key: match id).");
    public static final Topic<String, TrainingTriplet> TRAINING_TRIPLETS = new Topic<>(
            "training-triplets", Serdes.String(), TrainingTriplet.class, EVENT_PARTITIONS,
            CleanupPolicy.DELETE, MONTH, "(anchor, liked, passed) triplets for the projection head (key: anchor id).");
    public static final Topic<String, DeadLetter> DEAD_LETTERS = new Topic<>(
            "dead-letters", Serdes.String(), DeadLetter.class, EVENT_PARTITIONS,
            CleanupPolicy.DELETE, MONTH, "Refused input with source position, reason code and raw bytes (key: source topic).");

    private static final List<Topic<String, ? extends SpecificRecord>> ALL = List.of(
            RAW_PROFILE_UPLOADS, RAW_SWIPES, RAW_PROFILE_DELETIONS,
            PROFILE_UPLOADS, PROFILE_ATTRIBUTES, SWIPES, PROFILE_DELETIONS,
            PROFILE_EMBEDDINGS, PREFERENCE_UPDATES, MATCHES, TRAINING_TRIPLETS, DEAD_LETTERS);

    private Topics() {}

    public static List<Topic<String, ? extends SpecificRecord>> all() {
        return ALL;
    }

    public static Optional<Topic<String, ? extends SpecificRecord>> byName(String name) {
        return ALL.stream().filter(t -> t.name().equals(name)).findFirst();
    }
}
