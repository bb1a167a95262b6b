package ai.mercury.live;

import ai.mercury.bundle.CatalogItem;
import ai.mercury.feature.FeatureSpec;
import ai.mercury.feature.TextEncoder;
import ai.mercury.feature.TextEncoderRegistry;
import ai.mercury.model.Snapshot;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Item vectors for live items, computed exactly as the trainer computed the bundle's: the title
 * through the bundle's text encoder, the price through the spec's transform, the category as a
 * one-hot over the spec's vocabulary (slot 0 when unknown; matched exactly, as in training),
 * then the snapshot's item-tower ONNX. Thread-safe.
 */
final class ItemEmbedder {
    private final TextEncoderRegistry encoders;

    ItemEmbedder(TextEncoderRegistry encoders) {
        this.encoders = encoders;
    }

    /**
     * Whether changing {@code before} into {@code after} needs a new vector: the title or the
     * category changed. A price or stock change alone keeps the vector (metadata-only update); the
     * price moves the vector only a little and would otherwise re-run the tower on every repricing.
     */
    static boolean needsEmbedding(CatalogItem before, CatalogItem after) {
        return before == null || !before.title().equals(after.title()) || !Objects.equals(before.category(), after.category());
    }

    /** The item-tower vectors of {@code items} on {@code s}, in order. */
    float[][] embed(Snapshot s, List<CatalogItem> items) {
        if (items.isEmpty()) return new float[0][];
        FeatureSpec spec = s.encoder().spec();
        TextEncoder text = encoders.forBundle(s.manifest().textEncoder());
        int n = items.size();
        float[][] titles = new float[n][];
        float[][] prices = new float[n][1];
        FeatureSpec.CategorySpec categories = spec.item().category();
        float[][] category = categories == null ? null : new float[n][categories.vocabulary().size() + 1];
        Map<String, Integer> categoryIndex = new HashMap<>();
        if (categories != null) for (int c = 0; c < categories.vocabulary().size(); c++) categoryIndex.putIfAbsent(categories.vocabulary().get(c), c + 1);
        for (int i = 0; i < n; i++) {
            CatalogItem item = items.get(i);
            titles[i] = text.embed(item.title());
            prices[i][0] = spec.item().price().apply(item.price());
            if (category != null) category[i][item.category() == null ? 0 : categoryIndex.getOrDefault(item.category(), 0)] = 1f;
        }
        Map<String, float[][]> inputs = new LinkedHashMap<>();
        inputs.put(FeatureSpec.INPUT_TEXT, titles);
        inputs.put(FeatureSpec.INPUT_PRICE, prices);
        if (category != null) inputs.put(FeatureSpec.INPUT_CATEGORY, category);
        float[][] vectors = s.itemTower().embed(inputs);
        for (int i = 0; i < n; i++) {
            for (float x : vectors[i]) {
                if (!Float.isFinite(x)) throw new IllegalStateException("the item tower of " + s.version() + " gave a non-finite vector for " + items.get(i).itemId());
            }
        }
        return vectors;
    }
}
