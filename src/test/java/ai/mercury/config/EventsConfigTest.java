package ai.mercury.config;

import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EventsConfigTest {
    @Test
    void defaultsEnvironmentAndOverrides() {
        MercuryConfig d = MercuryConfig.defaults();
        assertTrue(d.events().enabled());
        assertEquals(1000, d.events().flushMs());
        assertEquals(1000, d.events().maxBatch());
        assertTrue(d.events().token().isEmpty());
        assertEquals(200_000, d.sessions().maxSessions());
        assertEquals(Set.of("view", "click", "add_to_cart", "purchase"), d.sessions().historyTypes());
        MercuryConfig c = MercuryConfig.load(null, Map.of("MERCURY_EVENTS_TOKEN", "k", "MERCURY_SESSIONS_MAX_EVENTS", "20"),
                Map.of("events.extra_types", "share, wishlist", "sessions.history_types", "click,wishlist", "events.country_header", "CF-IPCountry"));
        assertEquals("k", c.events().token().value());
        assertFalse(c.events().toString().contains("=k,"), "the token is not printed");
        assertEquals(20, c.sessions().maxEvents());
        assertTrue(c.events().types().containsAll(Set.of("share", "wishlist", "view")));
        assertEquals(Set.of("click", "wishlist"), c.sessions().historyTypes());
        assertEquals("CF-IPCountry", c.events().countryHeader());
    }

    @Test
    void badValuesNameTheKey() {
        assertMessage("events.flush_ms", Map.of("events.flush_ms", 0));
        assertMessage("events.max_batch", Map.of("events.max_batch", "many"));
        assertMessage("events.extra_types", Map.of("events.extra_types", "Bad Type"));
        assertMessage("sessions.history_types", Map.of("sessions.history_types", "share"));
        assertMessage("events.country_header", Map.of("events.country_header", "x y"));
        assertMessage("sessions.idle_ttl_ms", Map.of("sessions.idle_ttl_ms", 5));
        assertMessage("events.dir", Map.of("events.dir", " "));
        assertMessage("events.max_pending", Map.of("events.max_pending", 500)); // below events.max_batch (1,000): a full batch could never pass
        assertEquals(100_000, MercuryConfig.defaults().events().maxPending());
    }

    private static void assertMessage(String key, Map<String, ?> overrides) {
        MercuryConfig.ConfigException e = assertThrows(MercuryConfig.ConfigException.class, () -> MercuryConfig.load(null, Map.of(), overrides));
        assertTrue(e.getMessage().contains(key), e.getMessage());
    }
}
