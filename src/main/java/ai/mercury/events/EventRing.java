package ai.mercury.events;

/**
 * The last {@code capacity} events of one session (or user), oldest overwritten first: for each,
 * the item (its {@link ItemCodes} code) and the event type (an index into the store's type table);
 * only the newest arrival time is kept, as idle expiry needs nothing more. About 5 bytes per slot.
 * An id without a code (not in the catalog when recorded, or the dictionary full) is kept by
 * reference in a second array made on the first such event: adding a catalog item's event writes
 * only primitives, so it marks no old-generation card (see {@link ItemCodes} for why that matters).
 * The slots start at {@link #INITIAL_SLOTS} and double up to {@code capacity}: most sessions hold a
 * few events, and allocating 50 slots for each new one was most of the ingest path's allocation.
 * Each growth's new arrays survive young collections, so they are kept small: a time per slot (a
 * {@code long[]}) was half of those bytes. Thread-safe (synchronized; contention is one visitor's own requests).
 */
final class EventRing {
    static final int INITIAL_SLOTS = 4;
    /** The code of a slot whose id is in {@link #uncoded}. */
    private static final int UNCODED = -1;

    private final int capacity;
    private int[] codes;
    private byte[] types;
    /** Ids without a code, by slot; null until the first one. */
    private String[] uncoded;
    private long lastReceivedMs;
    private int next;
    private int size;
    /** The last user id seen on this session's events (null for a user's own ring, or none seen): forgetting a user drops it too. */
    volatile String userId;

    EventRing(int capacity) {
        this.capacity = capacity;
        int slots = Math.min(capacity, INITIAL_SLOTS);
        codes = new int[slots];
        types = new byte[slots];
    }

    /** @param code the item's code, or a negative number to keep {@code itemId} by reference */
    synchronized void add(String itemId, int code, byte type, long at) {
        if (size == codes.length && codes.length < capacity) { // full below capacity: slots 0..size-1 hold the events in order
            int slots = Math.min(capacity, codes.length * 2);
            codes = java.util.Arrays.copyOf(codes, slots);
            types = java.util.Arrays.copyOf(types, slots);
            if (uncoded != null) uncoded = java.util.Arrays.copyOf(uncoded, slots);
            next = size; // (next had wrapped to 0 on the smaller array)
        }
        if (code >= 0) {
            codes[next] = code;
            if (uncoded != null && uncoded[next] != null) uncoded[next] = null; // let the old id go
        } else {
            if (uncoded == null) uncoded = new String[codes.length];
            codes[next] = UNCODED;
            uncoded[next] = itemId;
        }
        types[next] = type;
        if (at > lastReceivedMs) lastReceivedMs = at;
        next = (next + 1) % codes.length;
        if (size < codes.length) size++;
    }

    /** Latest arrival time of the events added (0 when none). */
    synchronized long lastReceivedMs() {
        return lastReceivedMs;
    }

    synchronized int size() {
        return size;
    }

    /** Visits events newest first, ids decoded by {@code dictionary}; stops when {@code visitor} returns false. */
    synchronized void newestFirst(ItemCodes dictionary, Visitor visitor) {
        for (int i = 1; i <= size; i++) {
            int at = (next - i + codes.length) % codes.length;
            int code = codes[at];
            String item = code == UNCODED ? uncoded[at] : dictionary.idOf(code);
            if (!visitor.visit(item, types[at])) return;
        }
    }

    /** One stored event. */
    interface Visitor {
        boolean visit(String itemId, byte type);
    }
}
