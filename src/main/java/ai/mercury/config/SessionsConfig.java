package ai.mercury.config;

import java.util.Map;
import java.util.Set;

/**
 * The {@code sessions.*} keys: the in-memory session store that turns stored events into a
 * {@code /recommend} history. Part of {@link MercuryConfig}; see docs/events.md. Immutable.
 *
 * @param maxSessions  most sessions held (and, separately, most users); beyond it the least recently active go
 * @param maxEvents    events kept per session (and per user): the most recent ones
 * @param idleTtlMs    a session (or user) with no event for this long is dropped; also how far back the log is replayed at start-up
 * @param historyTypes event types whose items become history (others are stored, e.g. for {@code exclude_seen}, but not used for ranking)
 */
public record SessionsConfig(int maxSessions, int maxEvents, long idleTtlMs, Set<String> historyTypes) {

    public SessionsConfig {
        historyTypes = Set.copyOf(historyTypes);
    }

    static void putDefaults(Map<String, Object> d) {
        d.put("sessions.max_sessions", 200_000);
        d.put("sessions.max_events", 50);
        d.put("sessions.idle_ttl_ms", 1_800_000L);
        d.put("sessions.history_types", "view,click,add_to_cart,purchase");
    }

    static SessionsConfig from(Map<String, Object> v, EventsConfig events) {
        Set<String> types = EventsConfig.typeList(MercuryConfig.str(v, "sessions.history_types"), "sessions.history_types");
        for (String t : types) {
            if (!events.types().contains(t)) {
                throw new MercuryConfig.ConfigException("sessions.history_types: '" + t + "' is not an accepted event type " + events.types()
                        + " (add it to events.extra_types)");
            }
        }
        return new SessionsConfig(MercuryConfig.intIn(v, "sessions.max_sessions", 1, 100_000_000),
                MercuryConfig.intIn(v, "sessions.max_events", 1, 10_000),
                MercuryConfig.intIn(v, "sessions.idle_ttl_ms", 1_000, Integer.MAX_VALUE), types);
    }
}
