package ai.mercury.bundle;

import ai.mercury.core.CatalogItem;
import ai.mercury.core.Json;

import ai.mercury.core.TextEncoderInfo;
import ai.mercury.feature.FeatureEncoder;
import ai.mercury.feature.FeatureSpec;
import ai.mercury.feature.FeatureSpec.ContextField;
import ai.mercury.feature.TextEncoder;
import ai.mercury.feature.TimeFeatures;
import ai.mercury.index.Vectors;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Builds the content of an untrained bundle: the feature spec from the given catalog and context
 * vocabularies, seeded random-initialised towers, and item vectors computed by running the item
 * tower over the catalog. Its recommendations follow title similarity and context only through
 * random weights: it exists so the serving path has a real bundle (fixtures, a fresh clone)
 * before a trained one is published. The manifest's {@code training.kind} says
 * {@code untrained-bootstrap}.
 */
public final class BootstrapBundle {
    private BootstrapBundle() {}

    public record Params(String version, int embeddingDim, int[] userHidden, int[] itemHidden, int historyCap, long seed) {}

    public static BundleWriter.Content build(Params p, List<CatalogItem> items, Map<String, List<String>> contextVocabularies,
                                             TextEncoder textEncoder, ObjectNode provenance) {
        List<ContextField> fields = new ArrayList<>();
        contextVocabularies.forEach((name, vocab) -> fields.add(new ContextField(name, vocab)));
        double[] logPrices = items.stream().mapToDouble(i -> Math.log1p(i.price())).toArray();
        double mean = java.util.Arrays.stream(logPrices).average().orElse(0);
        double var = java.util.Arrays.stream(logPrices).map(x -> (x - mean) * (x - mean)).average().orElse(1);
        List<String> categories = items.stream().map(CatalogItem::category).filter(c -> c != null).distinct().sorted().toList();
        FeatureSpec spec = new FeatureSpec(fields, new FeatureSpec.TimeSpec(TimeFeatures.ALL), new FeatureSpec.HistorySpec(p.historyCap(), "mean"),
                null, new FeatureSpec.ItemSpec(new FeatureSpec.PriceTransform("log1p_standardize", mean, Math.max(1e-6, Math.sqrt(var))),
                categories.isEmpty() ? null : new FeatureSpec.CategorySpec(categories)));

        int textDim = textEncoder.dim();
        TowerSpec itemTower = TowerSpec.randomInit(spec.itemInputs(textDim), p.itemHidden(), p.embeddingDim(), true,
                Manifest.ITEM_OUTPUT, p.seed());
        TowerSpec userTower = TowerSpec.randomInit(spec.userInputs(p.embeddingDim(), textDim), p.userHidden(), p.embeddingDim(), true,
                Manifest.USER_OUTPUT, p.seed() + 1);
        float[][] vectors = itemTower.forward(FeatureEncoder.itemInputs(spec, textEncoder, items));
        ObjectNode training = Json.MAPPER.createObjectNode().put("kind", "untrained-bootstrap").put("seed", p.seed());
        if (provenance != null) training.setAll(provenance);
        return new BundleWriter.Content(p.version(), spec, new TextEncoderInfo(textEncoder.name(), textDim), userTower, itemTower,
                items, Vectors.ofRows(vectors), training, null);
    }
}
