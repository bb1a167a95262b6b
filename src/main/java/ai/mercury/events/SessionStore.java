package ai.mercury.events;

import ai.mercury.config.SessionsConfig;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import java.util.function.Predicate;

/**
 * Recent events in memory, by session and by user: at most {@code sessions.max_sessions} of each
 * (Caffeine's size eviction drops the least valuable, approximately the least recently used),
 * each keeping its last {@code sessions.max_events} events, gone {@code sessions.idle_ttl_ms}
 * after its last event (reading does not extend it). Thread-safe: events are recorded by the event
 * log's writer thread, looked up by whichever thread serves {@code /recommend}.
 *
 * <p>Idle expiry is checked here, not by a Caffeine expiry policy: an event on a held session
 * only appends to its ring. Re-timing a Caffeine entry on every event (its timer wheel relinks the
 * node) wrote into a handful of long-lived objects per event, and at 20,000 events/s the young
 * collections that had to scan those dirtied old-generation cards took 5 to 15 ms each, which was
 * the {@code /recommend} p99 beside ingest (docs/bench/events.md). An idle entry reads as absent at
 * once and leaves memory at the next sweep (at most every {@link #SWEEP_EVERY_MS}, or sooner when the TTL is shorter).
 */
public final class SessionStore {
    static final long SWEEP_EVERY_MS = 60_000;

    private final SessionsConfig config;
    private final Cache<String, EventRing> sessions;
    private final Cache<String, EventRing> users;
    private final List<String> typeNames;
    private final boolean[] historyType;
    private final byte purchase;
    private final LongSupplier clock;
    private final long sweepEveryMs;
    private final AtomicLong nextSweepMs;
    private final ItemCodes itemCodes = new ItemCodes();

    /**
     * What the store knows of a visitor for one request.
     *
     * @param history   explicit history first, then stored items (newest first), deduplicated and capped
     * @param stored    how many entries of {@code history} came from stored events
     * @param seen      every stored item of the visitor (any type), for {@code exclude_seen}
     * @param purchased the stored items with a {@code purchase} event, for {@code exclude_purchased}
     */
    public record Lookup(List<String> history, int stored, Set<String> seen, Set<String> purchased) {}

    /** @param types every accepted event type (at most 127) */
    public SessionStore(SessionsConfig config, Set<String> types) {
        this(config, types, System::currentTimeMillis);
    }

    /** With the clock the idle TTL is measured by (tests move it). */
    SessionStore(SessionsConfig config, Set<String> types, LongSupplier clock) {
        this.config = config;
        this.clock = clock;
        this.typeNames = new ArrayList<>(new java.util.TreeSet<>(types));
        if (typeNames.size() > 127) throw new IllegalArgumentException("at most 127 event types");
        this.historyType = new boolean[typeNames.size()];
        for (int i = 0; i < typeNames.size(); i++) historyType[i] = config.historyTypes().contains(typeNames.get(i));
        this.purchase = (byte) typeNames.indexOf("purchase");
        this.sessions = Caffeine.newBuilder().maximumSize(config.maxSessions()).build();
        this.users = Caffeine.newBuilder().maximumSize(config.maxSessions()).build();
        this.sweepEveryMs = Math.max(1, Math.min(SWEEP_EVERY_MS, config.idleTtlMs()));
        this.nextSweepMs = new AtomicLong(clock.getAsLong() + sweepEveryMs);
    }

    /**
     * Records one event under its session and its user.
     *
     * @param catalogItemId the catalog's own copy of the event's item id, or null when the item is
     *                      not in the catalog (kept as the event has it, and skipped by lookups until it is)
     */
    public void record(Event e, String catalogItemId) {
        byte type = (byte) typeNames.indexOf(e.type());
        if (type < 0) return; // a type no longer configured (replaying an older log)
        long now = clock.getAsLong();
        if (e.receivedMs() + config.idleTtlMs() <= now) return; // already expired (replay)
        String itemId = catalogItemId != null ? catalogItemId : e.itemId();
        int code = catalogItemId != null ? itemCodes.codeOf(catalogItemId) : -1;
        if (e.sessionId() != null) add(sessions, e.sessionId(), itemId, code, type, e.receivedMs(), e.userId(), now);
        if (e.userId() != null) add(users, e.userId(), itemId, code, type, e.receivedMs(), null, now);
        sweepIfDue(now);
    }

    private void add(Cache<String, EventRing> cache, String key, String itemId, int code, byte type, long at, String userId, long now) {
        EventRing ring = cache.getIfPresent(key);
        if (ring == null || idle(ring, now)) { // new, or idle past the TTL: start afresh (rare: the map is written only here)
            ring = new EventRing(config.maxEvents());
            cache.put(key, ring);
        }
        ring.add(itemId, code, type, at);
        if (userId != null && !userId.equals(ring.userId)) ring.userId = userId;
    }

    private boolean idle(EventRing ring, long now) {
        return ring.lastReceivedMs() + config.idleTtlMs() <= now;
    }

    /** The ring of {@code key} unless it is missing or idle past the TTL. */
    private EventRing live(Cache<String, EventRing> cache, String key) {
        EventRing ring = cache.getIfPresent(key);
        return ring == null || idle(ring, clock.getAsLong()) ? null : ring;
    }

    /** Drops idle entries from memory, at most once per sweep interval (one thread sweeps; the others go on). */
    private void sweepIfDue(long now) {
        long due = nextSweepMs.get();
        if (now < due || !nextSweepMs.compareAndSet(due, now + sweepEveryMs)) return;
        sessions.asMap().values().removeIf(ring -> idle(ring, now));
        users.asMap().values().removeIf(ring -> idle(ring, now));
    }

    /**
     * The history of a request: {@code explicit} first, then the stored items of the session, then
     * of the user, newest first, each item once, only items {@code known} accepts and of a history
     * type, at most {@code max} in all. Cheap: two hash lookups and one pass over each ring.
     *
     * @param collect whether to fill {@code seen} and {@code purchased} (for the exclude filters)
     */
    public Lookup lookup(String sessionId, String userId, List<String> explicit, int max, Predicate<String> known, boolean collect) {
        EventRing session = sessionId == null ? null : live(sessions, sessionId);
        EventRing user = userId == null ? null : live(users, userId);
        if (session == null && user == null) return new Lookup(explicit, 0, Set.of(), Set.of());
        List<String> history = new ArrayList<>(Math.min(max, explicit.size() + config.maxEvents()));
        history.addAll(explicit); // as the client sent it; stored items only add what it lacks
        Set<String> taken = new HashSet<>(explicit);
        int before = history.size();
        Set<String> seen = collect ? new HashSet<>() : Set.of();
        Set<String> purchased = collect ? new HashSet<>() : Set.of();
        List<String> out = history;
        EventRing.Visitor visitor = (item, type) -> {
            if (collect) {
                seen.add(item);
                if (type == purchase) purchased.add(item);
            }
            if (out.size() < max && historyType[type] && !taken.contains(item) && known.test(item)) {
                taken.add(item);
                out.add(item);
            }
            return collect || out.size() < max;
        };
        if (session != null) session.newestFirst(itemCodes, visitor);
        if (user != null) user.newestFirst(itemCodes, visitor);
        return new Lookup(out, out.size() - before, seen, purchased);
    }

    public boolean holdsSession(String sessionId) {
        return live(sessions, sessionId) != null;
    }

    public boolean holdsUser(String userId) {
        return live(users, userId) != null;
    }

    /** Drops a session; returns whether it was held. */
    public boolean forgetSession(String sessionId) {
        return sessions.asMap().remove(sessionId) != null;
    }

    /** Drops a user and every session whose events named that user; returns how many entries went. */
    public int forgetUser(String userId) {
        int n = users.asMap().remove(userId) != null ? 1 : 0;
        for (var it = sessions.asMap().entrySet().iterator(); it.hasNext(); ) {
            if (userId.equals(it.next().getValue().userId)) {
                it.remove();
                n++;
            }
        }
        return n;
    }

    /** Stored events of a session (newest first) as {@code [item, type]} pairs, or null when it is not held. */
    public List<String[]> events(String sessionId) {
        EventRing ring = live(sessions, sessionId);
        if (ring == null) return null;
        List<String[]> out = new ArrayList<>(ring.size());
        ring.newestFirst(itemCodes, (item, type) -> out.add(new String[] {item, typeNames.get(type)}));
        return out;
    }

    /** Sessions held (idle ones are swept first when a sweep is due). */
    public long sessionCount() {
        sweepIfDue(clock.getAsLong());
        sessions.cleanUp();
        return sessions.estimatedSize();
    }

    public long userCount() {
        users.cleanUp();
        return users.estimatedSize();
    }
}
