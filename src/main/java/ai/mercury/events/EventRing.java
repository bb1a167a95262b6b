package ai.mercury.events;

/**
 * The last {@code capacity} events of one session (or user), oldest overwritten first: for each,
 * the item id and the event type (an index into the store's type table); only the newest arrival
 * time is kept, as idle expiry needs nothing more. About 5 bytes per slot plus the item id string,
 * which is shared with the catalog's when the item is known. The slots start at
 * {@link #INITIAL_SLOTS} and double up to {@code capacity}: most sessions hold a few events, and
 * allocating 50 slots for each new one was most of the ingest path's allocation. Each growth's new
 * arrays survive young collections, so they are kept small: a time per slot (a {@code long[]})
 * was half of those bytes. Thread-safe (synchronized; contention is one visitor's own requests).
 */
final class EventRing {
    static final int INITIAL_SLOTS = 4;

    private final int capacity;
    private String[] items;
    private byte[] types;
    private long lastReceivedMs;
    private int next;
    private int size;
    /** The last user id seen on this session's events (null for a user's own ring, or none seen): forgetting a user drops it too. */
    volatile String userId;

    EventRing(int capacity) {
        this.capacity = capacity;
        int slots = Math.min(capacity, INITIAL_SLOTS);
        items = new String[slots];
        types = new byte[slots];
    }

    synchronized void add(String itemId, byte type, long at) {
        if (size == items.length && items.length < capacity) { // full below capacity: slots 0..size-1 hold the events in order
            int slots = Math.min(capacity, items.length * 2);
            items = java.util.Arrays.copyOf(items, slots);
            types = java.util.Arrays.copyOf(types, slots);
            next = size; // (next had wrapped to 0 on the smaller array)
        }
        items[next] = itemId;
        types[next] = type;
        if (at > lastReceivedMs) lastReceivedMs = at;
        next = (next + 1) % items.length;
        if (size < items.length) size++;
    }

    /** Latest arrival time of the events added (0 when none). */
    synchronized long lastReceivedMs() {
        return lastReceivedMs;
    }

    synchronized int size() {
        return size;
    }

    /** Visits events newest first; stops when {@code visitor} returns false. */
    synchronized void newestFirst(Visitor visitor) {
        for (int i = 1; i <= size; i++) {
            int at = (next - i + items.length) % items.length;
            if (!visitor.visit(items[at], types[at])) return;
        }
    }

    /** One stored event. */
    interface Visitor {
        boolean visit(String itemId, byte type);
    }
}
