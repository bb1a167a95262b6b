package ai.mercury.events;

import ai.mercury.config.SessionsConfig;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;

class SessionStoreTest {
    static final Set<String> TYPES = Set.of("view", "click", "add_to_cart", "purchase", "share");

    static Event e(String type, String session, String user, String item, long at) {
        return new Event(type, session, user, item, at, at, Map.of(), null, null);
    }

    @Test
    void keepsTheLastEventsNewestFirstFiltersTypesAndExpiresIdleSessions() {
        SessionStore store = new SessionStore(new SessionsConfig(100, 3, 60_000, Set.of("view", "click", "purchase")), TYPES);
        long now = System.currentTimeMillis();
        store.record(e("view", "s", null, "A", now), "A");
        store.record(e("share", "s", null, "B", now), "B");
        store.record(e("click", "s", null, "C", now), "C");
        store.record(e("purchase", "s", null, "D", now), "D");
        SessionStore.Lookup l = store.lookup("s", null, List.of(), 10, id -> true, true);
        assertEquals(List.of("D", "C"), l.history(), "3 kept (A fell out), share is not a history type");
        assertEquals(Set.of("B", "C", "D"), l.seen());
        assertEquals(Set.of("D"), l.purchased());
        store.record(e("view", "old", null, "A", now - 61_000), "A");
        assertEquals(0, store.lookup("old", null, List.of(), 10, id -> true, false).stored(), "already idle past the TTL");
    }

    @Test
    void evictsBeyondMaxSessions() {
        SessionStore store = new SessionStore(new SessionsConfig(50, 5, 60_000, Set.of("view")), TYPES);
        long now = System.currentTimeMillis();
        for (int i = 0; i < 500; i++) store.record(e("view", "s" + i, null, "A", now), "A");
        assertEquals(true, store.sessionCount() <= 50, "held " + store.sessionCount());
    }

    @Test
    void aSessionIdleForTheTtlReadsAsGone_startsAfreshOnItsNextEvent_andIsSweptFromMemory() {
        long[] now = {1_000_000};
        SessionStore store = new SessionStore(new SessionsConfig(100, 5, 60_000, Set.of("view")), TYPES, () -> now[0]);
        store.record(e("view", "s", "u", "A", now[0]), "A");
        store.record(e("view", "t", null, "B", now[0]), "B");
        now[0] += 30_000;
        store.record(e("view", "s", "u", "C", now[0]), "C"); // activity: s lives on, t does not
        now[0] += 40_000; // t idle 70 s, s idle 40 s
        assertEquals(List.of("C", "A"), store.lookup("s", null, List.of(), 10, id -> true, false).history());
        assertEquals(false, store.holdsSession("t"));
        assertEquals(null, store.events("t"));
        assertEquals(0, store.lookup("t", null, List.of(), 10, id -> true, false).stored());
        now[0] += 30_000; // s idle 70 s too
        assertEquals(false, store.holdsSession("s"));
        assertEquals(false, store.holdsUser("u"));
        store.record(e("view", "s", null, "D", now[0]), "D");
        assertEquals(List.of("D"), store.lookup("s", null, List.of(), 10, id -> true, false).history(), "an idle session starts afresh");
        assertEquals(1, store.sessionCount(), "t was swept; s is new");
        assertEquals(0, store.userCount(), "u was swept");
    }

    @Test
    void anItemOutsideTheCatalog_isKeptAsSent_andJoinsTheHistoryOnceKnown() {
        SessionStore store = new SessionStore(new SessionsConfig(100, 5, 60_000, Set.of("view")), TYPES);
        long now = System.currentTimeMillis();
        store.record(e("view", "s", null, "A", now), "A");
        store.record(e("view", "s", null, "NEW-1", now), null); // not in the catalog when it arrived
        store.record(e("view", "s", null, "B", now), "B");
        Set<String> catalog = new java.util.HashSet<>(Set.of("A", "B"));
        assertEquals(List.of("B", "A"), store.lookup("s", null, List.of(), 10, catalog::contains, false).history());
        assertEquals(List.of("B", "NEW-1", "A"), store.events("s").stream().map(p -> p[0]).toList());
        catalog.add("NEW-1"); // listed later (a live item)
        assertEquals(List.of("B", "NEW-1", "A"), store.lookup("s", null, List.of(), 10, catalog::contains, false).history());
    }
}
