package ai.mercury.events;

/**
 * The last {@code capacity} events of one session (or user), oldest overwritten first: for each,
 * the item id, the event type (an index into the store's type table) and the arrival time. About
 * 13 bytes per slot plus the item id string, which is shared with the catalog's when the item is
 * known. Thread-safe (synchronized; contention is one visitor's own requests).
 */
final class EventRing {
    private final String[] items;
    private final byte[] types;
    private final long[] receivedMs;
    private int next;
    private int size;
    /** The last user id seen on this session's events (null for a user's own ring, or none seen): forgetting a user drops it too. */
    volatile String userId;

    EventRing(int capacity) {
        items = new String[capacity];
        types = new byte[capacity];
        receivedMs = new long[capacity];
    }

    synchronized void add(String itemId, byte type, long at) {
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
