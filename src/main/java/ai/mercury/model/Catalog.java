package ai.mercury.model;

import ai.mercury.core.CatalogItem;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The items of a snapshot by ordinal (row of the vector matrix and id in the index) and by id:
 * the items it was built with (the bundle's, or the live rows of an index rebuild) first, then live
 * items appended by the live-item writer.
 *
 * <p>Concurrency: one writer ({@link ai.mercury.live.LiveItems} on its thread), any number of
 * readers, no locks. The ordinal table is an array published through a volatile field; the writer
 * stores an element and then republishes, so a reader that reads the table afterwards sees the
 * element. A removed ordinal holds null (a tombstone) and its id leaves the id map; ordinals are
 * never reused.
 */
public final class Catalog {
    private final ConcurrentHashMap<String, Integer> ordinals;
    private volatile Table table;

    private record Table(CatalogItem[] items, int count, int live) {}

    public Catalog(List<CatalogItem> items) {
        CatalogItem[] array = items.toArray(new CatalogItem[0]);
        this.ordinals = new ConcurrentHashMap<>(Math.max(16, array.length * 2));
        for (int i = 0; i < array.length; i++) {
            if (ordinals.put(array[i].itemId(), i) != null) {
                throw new IllegalArgumentException("duplicate item id " + array[i].itemId());
            }
        }
        this.table = new Table(array, array.length, array.length);
    }

    /** Number of live items (not removed). */
    public int size() {
        return table.live();
    }

    /** One past the highest ordinal ever assigned. */
    public int ordinalLimit() {
        return table.count();
    }

    /** The item at {@code ordinal}, or null when it was removed (or never assigned). */
    public CatalogItem item(int ordinal) {
        Table t = table;
        return ordinal >= 0 && ordinal < t.count() ? t.items()[ordinal] : null;
    }

    /** The ordinal of {@code itemId}, or -1 when the catalog does not hold it. */
    public int ordinalOf(String itemId) {
        Integer o = ordinals.get(itemId);
        return o == null ? -1 : o;
    }

    /** A copy of the live items, in ordinal order. */
    public List<CatalogItem> items() {
        Table t = table;
        List<CatalogItem> out = new ArrayList<>(t.live());
        for (int i = 0; i < t.count(); i++) {
            if (t.items()[i] != null) out.add(t.items()[i]);
        }
        return out;
    }

    /** Appends a new item at the next ordinal and returns it. One writer; the id must be absent. */
    public int append(CatalogItem item) {
        Table t = table;
        if (ordinals.containsKey(item.itemId())) throw new IllegalStateException("item " + item.itemId() + " is already in the catalog");
        CatalogItem[] items = t.items();
        if (t.count() == items.length) items = Arrays.copyOf(items, t.count() + Math.max(1024, t.count() / 4));
        items[t.count()] = item;
        table = new Table(items, t.count() + 1, t.live() + 1);
        ordinals.put(item.itemId(), t.count());
        return t.count();
    }

    /** Replaces the metadata at a live ordinal (same id, same vector). One writer. */
    public void replace(int ordinal, CatalogItem item) {
        Table t = table;
        CatalogItem old = item(ordinal);
        if (old == null || !old.itemId().equals(item.itemId())) throw new IllegalArgumentException("ordinal " + ordinal + " does not hold " + item.itemId());
        t.items()[ordinal] = item;
        table = new Table(t.items(), t.count(), t.live()); // republish: readers that come after see the element
    }

    /** Tombstones a live ordinal and forgets its id. One writer. */
    public void remove(int ordinal) {
        Table t = table;
        CatalogItem old = item(ordinal);
        if (old == null) throw new IllegalArgumentException("ordinal " + ordinal + " is not live");
        ordinals.remove(old.itemId(), ordinal);
        t.items()[ordinal] = null;
        table = new Table(t.items(), t.count(), t.live() - 1);
    }

    /**
     * Moves the item at {@code order[i]} to ordinal {@code i}, for a catalog without removed or
     * appended items (the index was renumbered alike, {@code ItemIndexes.inGraphOrder}). Before
     * the catalog is published.
     */
    void renumber(int[] order) {
        Table t = table;
        if (t.live() != t.count() || order.length != t.count()) {
            throw new IllegalStateException("only a fresh catalog is renumbered: " + t.live() + " live of " + t.count() + ", order of " + order.length);
        }
        CatalogItem[] items = new CatalogItem[t.items().length];
        for (int i = 0; i < order.length; i++) {
            items[i] = t.items()[order[i]];
            ordinals.put(items[i].itemId(), i);
        }
        table = new Table(items, t.count(), t.live());
    }
}
