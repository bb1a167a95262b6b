package ai.mercury.events;

/**
 * The last {@code capacity} events of one session (or user), oldest overwritten first: for each,
 * the item id, the event type (an index into the store's type table) and the arrival time. About
 * 13 bytes per slot plus the item id string, which is shared with the catalog's when the item is
 * known. The slots start at {@link #INITIAL_SLOTS} and double up to {@code capacity}: most sessions
 * hold a few events, and allocating 50 slots for each new one was most of the ingest path's
 * allocation. Thread-safe (synchronized; contention is one visitor's own requests).
 */
final class EventRing {
    static final int INITIAL_SLOTS = 4;

    private final int capacity;
    private String[] items;
    private byte[] types;
    private long[] receivedMs;
    private int next;
    private int size;
    /** The last user id seen on this session's events (null for a user's own ring, or none seen): forgetting a user drops it too. */
    volatile String userId;

    EventRing(int capacity) {
        this.capacity = capacity;
        int slots = Math.min(capacity, INITIAL_SLOTS);
        items = new String[slots];
        types = new byte[slots];
        receivedMs = new long[slots];
    }

    synchronized void add(String itemId, byte type, long at) {
        if (size == items.length && items.length < capacity) { // full below capacity: slots 0..size-1 hold the events in order
            int slots = Math.min(capacity, items.length * 2);
            items = java.util.Arrays.copyOf(items, slots);
            types = java.util.Arrays.copyOf(types, slots);
            receivedMs = java.util.Arrays.copyOf(receivedMs, slots);
            next = size; // (next had wrapped to 0 on the smaller array)
        }
        items[next] = itemId;
        types[next] = type;
        receivedMs[next] = at;
        next = (next + 1) % items.length;
        if (size < items.length) size++;
    }

    /** Arrival time of the newest event (0 when empty). */
    synchronized long lastReceivedMs() {
        return size == 0 ? 0 : receivedMs[(next - 1 + items.length) % items.length];
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
