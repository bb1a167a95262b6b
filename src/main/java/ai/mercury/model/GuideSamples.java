package ai.mercury.model;

import ai.mercury.core.CatalogItem;
import ai.mercury.feature.FeatureEncoder.EncodedUser;
import ai.mercury.feature.FeatureSpec.ContextField;
import ai.mercury.feature.UserContext;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Sample user vectors for an index's query-guided links ({@code ItemIndexes.guide}): the
 * snapshot's own user tower over made-up visitors that cover what the tower reads. Each sample has
 * a random value of every context field's vocabulary, a random time of year (the time features
 * are cyclic: hour, weekday, day of year), and half of them a history of 1-10 random catalog
 * items; no query text. Needs no training data, so every bundle (trained, synthetic, derived)
 * gets the same treatment. Seeded: the same snapshot gives the same samples.
 */
final class GuideSamples {
    static final long SEED = 0x6d657263L;
    private static final int BATCH = 256;
    private static final int MAX_HISTORY = 10;

    private GuideSamples() {}

    static float[][] userVectors(Snapshot s, int n) {
        List<ContextField> fields = s.encoder().spec().context();
        Catalog catalog = s.catalog();
        SplittableRandom rnd = new SplittableRandom(SEED);
        Instant yearStart = Instant.parse("2024-01-01T00:00:00Z");
        float[][] out = new float[n][];
        for (int from = 0; from < n; from += BATCH) {
            int size = Math.min(BATCH, n - from);
            Map<String, float[][]> batch = new LinkedHashMap<>();
            for (int i = 0; i < size; i++) {
                Map<String, String> context = new HashMap<>();
                for (ContextField f : fields) {
                    if (!f.vocabulary().isEmpty()) context.put(f.name(), f.vocabulary().get(rnd.nextInt(f.vocabulary().size())));
                }
                List<String> history = new ArrayList<>();
                if (rnd.nextBoolean() && catalog.size() > 0) {
                    for (int h = 1 + rnd.nextInt(MAX_HISTORY); h > 0; h--) {
                        CatalogItem item = catalog.item(rnd.nextInt(catalog.ordinalLimit()));
                        if (item != null) history.add(item.itemId());
                    }
                }
                EncodedUser encoded = s.encoder().encode(
                        new UserContext(context, yearStart.plusSeconds(rnd.nextLong(366L * 86_400)), history, null), s.history());
                int row = i;
                encoded.inputs().forEach((name, values) -> batch.computeIfAbsent(name, k -> new float[size][])[row] = values);
            }
            float[][] vectors = s.userTower().embed(batch);
            System.arraycopy(vectors, 0, out, from, size);
        }
        return out;
    }
}
