package ai.mercury.model;

import ai.mercury.bundle.Bundle;
import ai.mercury.bundle.BundleException;
import ai.mercury.bundle.HybridBlend;
import ai.mercury.bundle.HybridRanker;
import ai.mercury.bundle.HybridSignals;
import ai.mercury.core.CatalogItem;
import com.fasterxml.jackson.databind.JsonNode;

import java.io.IOException;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A bundle's hybrid part: the count signals ({@link HybridSignals}, by bundle row), the weights
 * chosen on the hold-out ({@link HybridBlend}) and the rows by item id. Read once per bundle and
 * shared by every snapshot of it (index rebuilds included); each snapshot {@link #bind binds} it to
 * its own ordinals. Bundles without the optional files have none: the model alone serves.
 */
public final class Hybrid {
    /** Whether hybrid serving is on; {@code -Dmercury.hybrid=false} serves the model alone (A/B runs). */
    static final boolean ENABLED = !"false".equalsIgnoreCase(System.getProperty("mercury.hybrid", "true"));

    private final HybridSignals signals;
    private final HybridBlend blend;
    private final Map<String, Integer> rowOfId;

    private Hybrid(HybridSignals signals, HybridBlend blend, Map<String, Integer> rowOfId) {
        this.signals = signals;
        this.blend = blend;
        this.rowOfId = rowOfId;
    }

    /** The bundle's hybrid part, or null when it has none (a bundle of before the hybrid). */
    static Hybrid load(Bundle bundle) throws BundleException {
        if (!bundle.manifest().files().containsKey(HybridSignals.COOCCURRENCE)) return null;
        JsonNode training = bundle.manifest().training();
        JsonNode section = training == null ? null : training.get("hybrid");
        if (section == null || !section.has("signals") || !section.has("weights")) {
            throw new BundleException("manifest_invalid", bundle.dir(), HybridSignals.COOCCURRENCE
                    + " is listed but training.hybrid.signals or training.hybrid.weights is missing");
        }
        if (section.get("signals").has("text_neighbours_file") && !bundle.manifest().files().containsKey(HybridSignals.TEXT_NEIGHBOURS)) {
            throw new BundleException("manifest_invalid", bundle.dir(), "training.hybrid.signals names " + HybridSignals.TEXT_NEIGHBOURS
                    + " but files does not list it");
        }
        List<CatalogItem> items = bundle.items();
        try {
            HybridSignals signals = HybridSignals.read(bundle.dir(), section.get("signals"), items.size());
            HybridBlend blend = HybridBlend.fromJson(section.get("weights"));
            Map<String, Integer> rows = new HashMap<>(items.size() * 2);
            for (int r = 0; r < items.size(); r++) rows.put(items.get(r).itemId(), r);
            return new Hybrid(signals, blend, rows);
        } catch (IOException | IllegalArgumentException e) {
            throw new BundleException("hybrid_invalid", bundle.dir(), e.getMessage(), e);
        }
    }

    public HybridSignals signals() {
        return signals;
    }

    public HybridBlend blend() {
        return blend;
    }

    /** The mapping between {@code catalog}'s ordinals (as they are now) and the signals' rows. */
    Bound bind(Catalog catalog) {
        int limit = catalog.ordinalLimit();
        int[] rowOfOrdinal = new int[limit];
        int[] ordinalOfRow = new int[signals.rows()];
        Arrays.fill(rowOfOrdinal, -1);
        Arrays.fill(ordinalOfRow, -1);
        for (int o = 0; o < limit; o++) {
            CatalogItem item = catalog.item(o);
            Integer r = item == null ? null : rowOfId.get(item.itemId());
            if (r != null) {
                rowOfOrdinal[o] = r;
                ordinalOfRow[r] = o;
            }
        }
        return new Bound(this, rowOfOrdinal, ordinalOfRow);
    }

    /**
     * One snapshot's view: ordinals assigned later (live items) have no row, so they are unknown to
     * the counts and take part through their vectors only.
     */
    record Bound(Hybrid hybrid, int[] rowOfOrdinal, int[] ordinalOfRow) implements HybridRanker.RowMap {
        @Override
        public int rowOf(int ordinal) {
            return ordinal >= 0 && ordinal < rowOfOrdinal.length ? rowOfOrdinal[ordinal] : -1;
        }

        @Override
        public int ordinalOf(int row) {
            return ordinalOfRow[row];
        }
    }
}
