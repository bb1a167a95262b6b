package ai.mercury.config;

import java.util.Map;

/**
 * The {@code cache.*} keys: the response cache of {@code POST /recommend} ({@link ResponseCache}).
 * Part of {@link MercuryConfig}.
 *
 * @param enabled    whether answers are cached at all (default off: the load targets are measured
 *                   without it, and it trades heap for CPU; see the README, "Response cache")
 * @param maxEntries most cached answers (about 10 KB each at k = 100)
 * @param ttlMs      an entry is dropped this long after it was written (entries never go stale:
 *                   they are keyed by model version and cache epoch; the TTL only bounds how long
 *                   rarely repeated answers hold memory)
 */
public record CacheConfig(boolean enabled, int maxEntries, long ttlMs) {
    public static final boolean DEFAULT_ENABLED = false;
    public static final int DEFAULT_MAX_ENTRIES = 10_000;
    public static final long DEFAULT_TTL_MS = 60_000;

    static void putDefaults(Map<String, Object> d) {
        d.put("cache.enabled", DEFAULT_ENABLED);
        d.put("cache.max_entries", DEFAULT_MAX_ENTRIES);
        d.put("cache.ttl_ms", DEFAULT_TTL_MS);
    }

    static CacheConfig from(Map<String, Object> v) {
        return new CacheConfig(MercuryConfig.bool(v, "cache.enabled"), MercuryConfig.intIn(v, "cache.max_entries", 1, 10_000_000),
                MercuryConfig.intIn(v, "cache.ttl_ms", 1, 86_400_000));
    }
}
