package io.matchstream.schemas;

/** How a topic forgets: by age (events) or by key (latest state per key). */
public enum CleanupPolicy {
    DELETE("delete"),
    COMPACT("compact");

    private final String kafkaName;

    CleanupPolicy(String kafkaName) {
        this.kafkaName = kafkaName;
    }

    public String kafkaName() {
        return kafkaName;
    }
}
