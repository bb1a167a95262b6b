package ai.mercury.live;

import ai.mercury.core.CatalogItem;
import ai.mercury.feature.FeatureEncoder;
import ai.mercury.feature.TextEncoder;
import ai.mercury.feature.TextEncoderRegistry;
import ai.mercury.model.Snapshot;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Item vectors for live items, computed exactly as the trainer computed the bundle's: the item
 * inputs through {@link FeatureEncoder#itemInputs} (the same code the trainer uses) with the
 * bundle's text encoder, then the snapshot's item-tower ONNX. Thread-safe.
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
        TextEncoder text = encoders.forBundle(s.manifest().textEncoder());
        Map<String, float[][]> inputs = FeatureEncoder.itemInputs(s.encoder().spec(), text, items);
        float[][] vectors = s.itemTower().embed(inputs);
        for (int i = 0; i < vectors.length; i++) {
            for (float x : vectors[i]) {
                if (!Float.isFinite(x)) throw new IllegalStateException("the item tower of " + s.version() + " gave a non-finite vector for " + items.get(i).itemId());
            }
        }
        return vectors;
    }
}
