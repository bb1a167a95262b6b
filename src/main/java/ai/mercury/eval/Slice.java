package ai.mercury.eval;

import java.util.List;

/**
 * The protocol's slices. The first three are requests; {@link #COLD_ITEM} re-reads their targets.
 * The {@code session_n} slices are Mercury's own (not PROTOCOL.md's): a cold user's basket whose
 * first n items arrived as session events (see {@link SessionQueries}).
 */
public enum Slice {
    WARM("warm"),
    COLD_USER_CONTEXT("cold_user_context"),
    COLD_USER_FIRST_ITEM("cold_user_first_item"),
    COLD_ITEM("cold_item"),
    SESSION_1("session_1"),
    SESSION_2("session_2"),
    SESSION_3("session_3");

    /** The slices that are requests of their own, in report order. */
    public static final List<Slice> REQUESTS = List.of(WARM, COLD_USER_CONTEXT, COLD_USER_FIRST_ITEM);

    /** The in-session slices, by prefix length (1, 2, 3 session events). */
    public static final List<Slice> SESSIONS = List.of(SESSION_1, SESSION_2, SESSION_3);

    private final String key;

    Slice(String key) {
        this.key = key;
    }

    /** The slice's name in reports. */
    public String key() {
        return key;
    }
}
