package io.matchstream.index.http;

import java.util.ArrayDeque;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * At most {@code limit} requests per caller in any sliding minute. The log of one caller holds at most
 * {@code limit} timestamps; idle callers are dropped once the map grows large.
 */
public final class RateLimiter {
    private static final long WINDOW_MILLIS = 60_000;
    private static final int SWEEP_ABOVE = 100_000;

    private final int limit;
    private final LongSupplier clock;
    private final Map<String, ArrayDeque<Long>> logs = new ConcurrentHashMap<>();

    public RateLimiter(int limit, LongSupplier clock) {
        this.limit = limit;
        this.clock = clock;
    }

    /** 0 when the request may go ahead (and is counted), otherwise milliseconds until it may. */
    public long acquire(String caller) {
        long now = clock.getAsLong();
        if (logs.size() > SWEEP_ABOVE) {
            logs.entrySet().removeIf(e -> {
                synchronized (e.getValue()) {
                    Long newest = e.getValue().peekLast();
                    return newest == null || newest <= now - WINDOW_MILLIS;
                }
            });
        }
        ArrayDeque<Long> log = logs.computeIfAbsent(caller, c -> new ArrayDeque<>());
        synchronized (log) {
            while (!log.isEmpty() && log.peekFirst() <= now - WINDOW_MILLIS) {
                log.pollFirst();
            }
            if (log.size() >= limit) {
                return log.peekFirst() + WINDOW_MILLIS - now;
            }
            log.addLast(now);
            return 0;
        }
    }
}
