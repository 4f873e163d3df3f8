package io.matchstream.ingest;

/** Why the ingest job refused a record; {@link #code()} is the dead letter's reason code. */
public enum RejectReason {
    TRUNCATED("truncated"),
    WRONG_MAGIC_BYTE("wrong_magic_byte"),
    UNKNOWN_SCHEMA_ID("unknown_schema_id"),
    UNDECODABLE("undecodable"),
    INCOMPATIBLE_SCHEMA("incompatible_schema"),
    MISSING_FIELD("missing_field"),
    INVALID_FIELD("invalid_field"),
    AGE_UNDER_18("age_under_18"),
    AGE_OUT_OF_RANGE("age_out_of_range"),
    LAT_OUT_OF_RANGE("lat_out_of_range"),
    LON_OUT_OF_RANGE("lon_out_of_range"),
    PHOTO_MISSING("photo_missing"),
    PHOTO_TOO_LARGE("photo_too_large"),
    PHOTO_NOT_IMAGE("photo_not_image"),
    PHOTO_DIMENSIONS("photo_dimensions"),
    PHOTO_CORRUPT("photo_corrupt"),
    SELF_SWIPE("self_swipe"),
    UNKNOWN_ACTION("unknown_action"),
    FUTURE_TIMESTAMP("future_timestamp"),
    UNKNOWN_TOPIC("unknown_topic");

    private final String code;

    RejectReason(String code) {
        this.code = code;
    }

    public String code() {
        return code;
    }
}
