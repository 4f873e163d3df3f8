package io.matchstream.schemas.wire;

import org.apache.avro.util.ClassSecurityValidator;

/**
 * Avro 1.12 refuses to instantiate classes by name unless they are trusted (our serdes install this; so must
 * every operator whose records Flink serializes with Avro, in its open()). Our generated event classes
 * live in one package; trusting that package (and nothing else) keeps Avro's protection for the rest.
 */
public final class TrustedEvents {
    static final String EVENTS_PACKAGE = "io.matchstream.events";

    private TrustedEvents() {}

    public static synchronized void install() {
        ClassSecurityValidator.ClassSecurityPredicate current = ClassSecurityValidator.getGlobal();
        if (current instanceof EventsPredicate) {
            return;
        }
        ClassSecurityValidator.setGlobal(new EventsPredicate(current));
    }

    private record EventsPredicate(ClassSecurityValidator.ClassSecurityPredicate fallback)
            implements ClassSecurityValidator.ClassSecurityPredicate {
        @Override
        public boolean isTrusted(Class<?> clazz) {
            return EVENTS_PACKAGE.equals(clazz.getPackageName()) || fallback.isTrusted(clazz);
        }
    }
}
