package io.matchstream.launcher;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** {@code --name value} and {@code --switch} flags plus positional words; unknown flags are usage errors. */
final class Flags {
    private final Map<String, String> values = new HashMap<>();
    private final List<String> positional = new ArrayList<>();
    private final Set<String> known = new HashSet<>();

    Flags(String[] args, Set<String> switches) {
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if (arg.startsWith("--")) {
                String name = arg.substring(2);
                int eq = name.indexOf('=');
                if (eq >= 0) {
                    values.put(name.substring(0, eq), name.substring(eq + 1));
                } else if (switches.contains(name)) {
                    values.put(name, "true");
                } else if (i + 1 < args.length) {
                    values.put(name, args[++i]);
                } else {
                    throw new UsageException("flag --" + name + " needs a value");
                }
            } else {
                positional.add(arg);
            }
        }
    }

    String get(String name, String fallback) {
        known.add(name);
        String env = System.getenv("MATCHSTREAM_" + name.toUpperCase().replace('-', '_'));
        return values.getOrDefault(name, env != null ? env : fallback);
    }

    String require(String name) {
        String value = get(name, null);
        if (value == null || value.isBlank()) {
            throw new UsageException("missing --" + name);
        }
        return value;
    }

    boolean has(String name) {
        known.add(name);
        return values.containsKey(name);
    }

    int getInt(String name, int fallback) {
        String value = get(name, Integer.toString(fallback));
        try {
            return Integer.parseInt(value);
        } catch (NumberFormatException e) {
            throw new UsageException("--" + name + " must be a whole number, got '" + value + "'");
        }
    }

    Double getDouble(String name) {
        String value = get(name, null);
        if (value == null) {
            return null;
        }
        try {
            return Double.parseDouble(value);
        } catch (NumberFormatException e) {
            throw new UsageException("--" + name + " must be a number, got '" + value + "'");
        }
    }

    Integer getInteger(String name) {
        String value = get(name, null);
        return value == null ? null : getInt(name, 0);
    }

    List<String> positional() {
        return positional;
    }

    /** Call after every get: a flag nobody asked for is a typo. */
    void rejectUnknown() {
        for (String name : values.keySet()) {
            if (!known.contains(name)) {
                throw new UsageException("unknown flag --" + name);
            }
        }
    }
}
