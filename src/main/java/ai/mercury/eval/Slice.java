package ai.mercury.eval;

import java.util.List;

/** The protocol's slices. The first three are requests; {@link #COLD_ITEM} re-reads their targets. */
public enum Slice {
    WARM("warm"),
    COLD_USER_CONTEXT("cold_user_context"),
    COLD_USER_FIRST_ITEM("cold_user_first_item"),
    COLD_ITEM("cold_item");

    /** The slices that are requests of their own, in report order. */
    public static final List<Slice> REQUESTS = List.of(WARM, COLD_USER_CONTEXT, COLD_USER_FIRST_ITEM);

    private final String key;

    Slice(String key) {
        this.key = key;
    }

    /** The slice's name in reports. */
    public String key() {
        return key;
    }
}
