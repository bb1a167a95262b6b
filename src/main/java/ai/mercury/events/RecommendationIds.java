package ai.mercury.events;

import java.security.SecureRandom;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Issues {@code recommendation_id}s and reads the model version back out of them.
 *
 * <p>An id is {@code <model version>~<process prefix>~<counter>}: the version that ranked the
 * answer, 8 random base-36 characters drawn once per process (so ids of two replicas or two runs do
 * not collide), and a per-process counter in base 36. Unique without a UUID per request: one
 * atomic increment and a short string concatenation. Because the version is inside the id, an
 * event that carries it is attributed to that version on any replica and after restarts.
 *
 * <p>Attribution labels must stay bounded even though clients can send anything: only versions
 * this process has served (registered through {@link #served}) are attributed, everything else
 * counts as {@code unknown}. A version is registered when the first id naming it is issued. Thread-safe.
 */
public final class RecommendationIds {
    public static final String UNKNOWN_VERSION = "unknown";
    private static final char SEP = '~';

    private final String prefix;
    private final AtomicLong counter = new AtomicLong();
    private final ConcurrentHashMap<String, java.util.concurrent.atomic.LongAdder> issued = new ConcurrentHashMap<>();
    private final Set<String> served = issued.keySet();
    private volatile String lastVersion = "";
    private volatile java.util.concurrent.atomic.LongAdder lastCount = new java.util.concurrent.atomic.LongAdder();

    public RecommendationIds() {
        SecureRandom random = new SecureRandom();
        StringBuilder sb = new StringBuilder(10).append(SEP);
        for (int i = 0; i < 8; i++) sb.append(Character.forDigit(random.nextInt(36), 36));
        this.prefix = sb.append(SEP).toString();
    }

    /** A fresh id for an answer computed by {@code version}. */
    public String next(String version) {
        java.util.concurrent.atomic.LongAdder count = lastCount;
        if (!version.equals(lastVersion)) { // versions change rarely: remember each one served, for attribution
            count = issued.computeIfAbsent(version, v -> new java.util.concurrent.atomic.LongAdder());
            lastCount = count;
            lastVersion = version;
        }
        count.increment();
        return version + prefix + Long.toString(counter.incrementAndGet(), 36);
    }

    /** Answers issued with {@code version} by this process (the denominator of click-through per version). */
    public long issued(String version) {
        java.util.concurrent.atomic.LongAdder a = issued.get(version);
        return a == null ? 0 : a.sum();
    }

    /** Registers a version that serves (or served) here: ids naming it are attributed to it. */
    public void served(String version) {
        issued.computeIfAbsent(version, v -> new java.util.concurrent.atomic.LongAdder());
    }

    /**
     * The model version an id names when it is one this process has served, {@link #UNKNOWN_VERSION}
     * for any other id (another replica's bundle not served here, or a made-up id), null for null.
     */
    public String versionOf(String recommendationId) {
        if (recommendationId == null) return null;
        int cut = recommendationId.indexOf(SEP);
        if (cut <= 0) return UNKNOWN_VERSION;
        String version = recommendationId.substring(0, cut);
        return served.contains(version) ? version : UNKNOWN_VERSION;
    }
}
