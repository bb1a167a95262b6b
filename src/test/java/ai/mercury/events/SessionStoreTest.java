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
}
