package io.matchstream.schemas.flink;

import java.util.HashMap;
import java.util.Map;

/** A job's command line: {@code --name value} pairs, nothing else (each job's config validates the names). */
public final class JobFlags {
    private JobFlags() {}

    public static Map<String, String> parse(String[] args) {
        Map<String, String> flags = new HashMap<>();
        for (int i = 0; i < args.length; i++) {
            if (!args[i].startsWith("--") || i + 1 >= args.length) {
                throw new IllegalArgumentException("expected --flag value pairs, got: " + args[i]);
            }
            flags.put(args[i].substring(2), args[++i]);
        }
        return flags;
    }
}
