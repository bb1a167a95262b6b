package ai.mercury.server;

import ai.mercury.config.CacheConfig;

import ai.mercury.feature.FeatureEncoder;
import ai.mercury.model.Filters;
import ai.mercury.model.RecommendQuery;
import ai.mercury.model.Snapshot;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * Caches the answer bytes of {@code POST /recommend} (everything after {@code took_ms}, see
 * {@link ResponseWriter}) by snapshot and canonical request. Thread-safe (Caffeine); shared by the
 * HTTP verticle instances.
 *
 * <p>The key holds what decides the answer and nothing else: the snapshot's version and
 * {@link Snapshot#cacheEpoch()}, the vocabulary slot of each context field the model reads
 * (unknown values share the out-of-vocabulary slot, fields the model ignores are left out), the
 * request time at the resolution of the time features (whole seconds; none when the bundle has
 * no time features), the history ids as sent (unknown ones are echoed in the answer), the query
 * text when the bundle reads it, {@code k} and the filters. A hit is therefore byte-identical to
 * a fresh computation on the same snapshot. Entries of a replaced snapshot (or an older epoch) are
 * never returned, since their keys name the old version; the first lookup that sees a new version
 * or epoch also drops them all to free their memory.
 */
final class ResponseCache {
    private final Cache<Key, byte[]> cache;
    private volatile String lastVersion;
    private volatile long lastEpoch;

    ResponseCache(CacheConfig config) {
        cache = Caffeine.newBuilder()
                .maximumSize(config.maxEntries())
                .expireAfterWrite(Duration.ofMillis(config.ttlMs()))
                .recordStats()
                .build();
    }

    /** The key of {@code q} on snapshot {@code s}. Cheap: a few map look-ups, run on the event loop. */
    Key key(Snapshot s, RecommendQuery q) {
        FeatureEncoder e = s.encoder();
        String version = s.version();
        long epoch = s.cacheEpoch();
        if (!version.equals(lastVersion) || epoch != lastEpoch) {
            synchronized (this) {
                if (!version.equals(lastVersion) || epoch != lastEpoch) {
                    if (lastVersion != null) cache.invalidateAll();
                    lastVersion = version;
                    lastEpoch = epoch;
                }
            }
        }
        return new Key(version, epoch, e.contextSlots(q.user().context()), e.timeKey(q.user().timestamp()),
                q.user().history(), e.readsQuery() ? q.user().query() : null, q.k(), q.filters());
    }

    /** The cached answer bytes, or null. */
    byte[] get(Key key) {
        return cache.getIfPresent(key);
    }

    void put(Key key, byte[] answer) {
        cache.put(key, answer);
    }

    Cache<Key, byte[]> caffeine() {
        return cache;
    }

    /** The canonical request on one snapshot; see the class comment. */
    static final class Key {
        final String version;
        final long epoch;
        private final int[] contextSlots;
        private final long timeKey;
        private final List<String> history;
        private final String query;
        private final int k;
        private final Filters filters;
        private final int hash;

        Key(String version, long epoch, int[] contextSlots, long timeKey, List<String> history, String query, int k, Filters filters) {
            this.version = version;
            this.epoch = epoch;
            this.contextSlots = contextSlots;
            this.timeKey = timeKey;
            this.history = history;
            this.query = query;
            this.k = k;
            this.filters = filters;
            int h = version.hashCode();
            h = 31 * h + Long.hashCode(epoch);
            h = 31 * h + Arrays.hashCode(contextSlots);
            h = 31 * h + Long.hashCode(timeKey);
            h = 31 * h + history.hashCode();
            h = 31 * h + Objects.hashCode(query);
            h = 31 * h + k;
            h = 31 * h + filters.hashCode();
            this.hash = h;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Key other && hash == other.hash && k == other.k && timeKey == other.timeKey && epoch == other.epoch
                    && version.equals(other.version) && Arrays.equals(contextSlots, other.contextSlots)
                    && history.equals(other.history) && Objects.equals(query, other.query) && filters.equals(other.filters);
        }

        @Override
        public int hashCode() {
            return hash;
        }

        @Override
        public String toString() {
            return "Key[" + version + "/" + epoch + ", ctx " + Arrays.toString(contextSlots) + ", t " + timeKey + ", history "
                    + history + ", query " + query + ", k " + k + ", " + filters + "]";
        }
    }
}
