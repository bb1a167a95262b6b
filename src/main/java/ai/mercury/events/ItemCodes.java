package ai.mercury.events;

import java.util.Arrays;

/**
 * Small integer codes for the catalog's item ids, so that a session's ring stores an {@code int}
 * per event instead of a reference. Why it matters: the rings live in the old generation, and a
 * reference written into one marks its card dirty, which the next young collection must scan; at
 * 20,000 events/s spread over many sessions those scans were most of each young pause
 * (docs/bench/events.md, run 7). A primitive store marks nothing.
 *
 * <p>Only catalog items get codes (the caller says which ids are the catalog's), so a client
 * cannot grow the dictionary with made-up ids; it holds at most {@link #MAX_CODES} ids, after which
 * {@link #codeOf} answers -1 and the ring keeps that id by reference, as it does unknown ids. Codes
 * are never reused: an item that leaves the catalog keeps its entry (about 12 bytes plus the id,
 * which the catalog held anyway). Codes are assigned under the lock; {@link #idOf} reads without one.
 */
final class ItemCodes {
    /** Dictionary cap: 4M ids is about 50 MB of table and index beside the ids themselves. */
    static final int MAX_CODES = 1 << 22;

    /** Index of codes: code + 1 per slot, 0 for an empty slot (open addressing, linear probing). Guarded by this. */
    private int[] table = new int[1 << 12];
    /** id by code; replaced by a larger copy when full, published through the volatile write. */
    private volatile String[] ids = new String[1 << 11];
    private int size;
    private final int maxCodes;

    ItemCodes() {
        this(MAX_CODES);
    }

    /** With another cap (tests). */
    ItemCodes(int maxCodes) {
        this.maxCodes = maxCodes;
    }

    /** The code of {@code id}, assigned on first sight; -1 once the dictionary is full. */
    synchronized int codeOf(String id) {
        String[] byCode = ids;
        int mask = table.length - 1;
        int slot = spread(id.hashCode()) & mask;
        for (int entry; (entry = table[slot]) != 0; slot = (slot + 1) & mask) {
            String known = byCode[entry - 1];
            if (known == id || known.equals(id)) return entry - 1;
        }
        if (size >= maxCodes) return -1;
        int code = size;
        if (code == byCode.length) byCode = Arrays.copyOf(byCode, byCode.length * 2);
        byCode[code] = id;
        ids = byCode; // publishes the new entry (and the larger array) to idOf
        table[slot] = code + 1;
        if (++size * 2 > table.length) rehash(byCode);
        return code;
    }

    /** The id of a code that {@link #codeOf} returned (on any thread that saw the code through a happens-before edge). */
    String idOf(int code) {
        return ids[code];
    }

    synchronized int size() {
        return size;
    }

    private void rehash(String[] byCode) {
        int[] bigger = new int[table.length * 2];
        int mask = bigger.length - 1;
        for (int code = 0; code < size; code++) {
            int slot = spread(byCode[code].hashCode()) & mask;
            while (bigger[slot] != 0) slot = (slot + 1) & mask;
            bigger[slot] = code + 1;
        }
        table = bigger;
    }

    private static int spread(int h) {
        return h ^ (h >>> 16);
    }
}
