package ai.mercury.feature;

import ai.mercury.core.CatalogItem;
import ai.mercury.core.TowerInput;
import ai.mercury.feature.FeatureSpec.ContextField;
import ai.mercury.index.Vectors;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.IntFunction;
import java.util.function.IntToDoubleFunction;
import java.util.function.ToIntFunction;

/**
 * Turns a {@link UserContext} into the user tower's named inputs, exactly as a bundle's
 * {@link FeatureSpec} describes them. Shared by the trainer, the evaluator and the server, so a
 * feature is computed by one piece of code wherever it is used.
 *
 * <p>Context values match the vocabulary case-insensitively after trimming; anything else falls
 * into the out-of-vocabulary slot 0. History ids are resolved through {@code ordinalOf} (negative
 * means unknown); unknown ids are skipped and reported. Immutable and thread-safe.
 */
public final class FeatureEncoder {
    private final FeatureSpec spec;
    private final List<TowerInput> userInputs;
    private final List<Map<String, Integer>> contextIndex = new ArrayList<>();
    private final Vectors itemVectors;
    private final TextEncoder textEncoder;

    /**
     * @param itemVectors the vectors history items are pooled from (the bundle's item vectors)
     * @param textEncoder encodes query text; may be null when the spec does not read queries
     */
    public FeatureEncoder(FeatureSpec spec, Vectors itemVectors, TextEncoder textEncoder) {
        this.spec = spec;
        this.itemVectors = itemVectors;
        this.textEncoder = textEncoder;
        if (spec.queryEnabled() && textEncoder == null) {
            throw new IllegalArgumentException("the feature spec reads query text but no text encoder was given");
        }
        this.userInputs = spec.userInputs(itemVectors.dim(), textEncoder == null ? 0 : textEncoder.dim());
        for (ContextField f : spec.context()) {
            Map<String, Integer> index = new HashMap<>();
            for (int i = 0; i < f.vocabulary().size(); i++) index.putIfAbsent(normalize(f.vocabulary().get(i)), i + 1);
            contextIndex.add(index);
        }
    }

    public FeatureSpec spec() {
        return spec;
    }

    public List<TowerInput> userInputs() {
        return userInputs;
    }

    /** The encoded inputs of one user, with the history ids that were not found. */
    public record EncodedUser(Map<String, float[]> inputs, List<String> unknownHistory, int pooledHistory) {}

    /** Where pooled history vectors come from: the bundle's rows, or a snapshot with its live items. */
    public interface HistorySource {
        /** Adds the vector of {@code itemId} to {@code acc}; false (and {@code acc} untouched) when unknown. */
        boolean addVector(String itemId, float[] acc);

        /** Whether {@code itemId} is known (asked for ids beyond the history cap, to report unknown ones). */
        boolean contains(String itemId);
    }

    /** Encodes with history vectors from the encoder's own item vectors, looked up through {@code ordinalOf}. */
    public EncodedUser encode(UserContext user, ToIntFunction<String> ordinalOf) {
        return encode(user, new HistorySource() {
            @Override
            public boolean addVector(String id, float[] acc) {
                int ordinal = ordinalOf.applyAsInt(id);
                if (ordinal < 0 || ordinal >= itemVectors.count()) return false;
                float[] data = itemVectors.data();
                int dim = itemVectors.dim();
                for (int d = 0, base = ordinal * dim; d < dim; d++) acc[d] += data[base + d];
                return true;
            }

            @Override
            public boolean contains(String id) {
                int ordinal = ordinalOf.applyAsInt(id);
                return ordinal >= 0 && ordinal < itemVectors.count();
            }
        });
    }

    public EncodedUser encode(UserContext user, HistorySource history) {
        Map<String, float[]> inputs = new LinkedHashMap<>();
        List<ContextField> fields = spec.context();
        for (int f = 0; f < fields.size(); f++) {
            ContextField field = fields.get(f);
            float[] oneHot = new float[field.width()];
            String value = user.context().get(field.name());
            oneHot[value == null ? 0 : contextIndex.get(f).getOrDefault(normalize(value), 0)] = 1f;
            inputs.put(field.inputName(), oneHot);
        }
        float[] time = new float[Math.max(1, spec.time().features().size())];
        TimeFeatures.encode(user.timestamp(), spec.time().features(), time, 0);
        inputs.put(FeatureSpec.INPUT_TIME, time);

        int dim = itemVectors.dim();
        float[] pooled = new float[dim];
        List<String> unknown = List.of();
        int used = 0;
        for (String id : user.history()) {
            if (used == spec.history().cap()) {
                if (!history.contains(id)) unknown = addUnknown(unknown, id);
                continue;
            }
            if (history.addVector(id, pooled)) {
                used++;
            } else {
                unknown = addUnknown(unknown, id);
            }
        }
        if (used > 0) {
            for (int d = 0; d < dim; d++) pooled[d] /= used;
        }
        inputs.put(FeatureSpec.INPUT_HISTORY, pooled);
        inputs.put(FeatureSpec.INPUT_HAS_HISTORY, new float[] {used > 0 ? 1f : 0f});

        if (spec.queryEnabled()) {
            boolean hasQuery = user.query() != null && !user.query().isBlank();
            inputs.put(FeatureSpec.INPUT_QUERY, hasQuery ? textEncoder.embed(user.query()) : new float[textEncoder.dim()]);
            inputs.put(FeatureSpec.INPUT_HAS_QUERY, new float[] {hasQuery ? 1f : 0f});
        }
        return new EncodedUser(inputs, unknown, used);
    }

    private static List<String> addUnknown(List<String> unknown, String id) {
        if (unknown.isEmpty()) unknown = new ArrayList<>();
        unknown.add(id);
        return unknown;
    }

    /**
     * The vocabulary slot of each context field for {@code context} (0 = out of vocabulary or
     * absent), in the spec's field order: exactly what {@link #encode} one-hot encodes, so two
     * contexts with equal slots encode equally. For cache keys.
     */
    public int[] contextSlots(java.util.Map<String, String> context) {
        List<ContextField> fields = spec.context();
        int[] slots = new int[fields.size()];
        for (int f = 0; f < slots.length; f++) {
            String value = context.get(fields.get(f).name());
            slots[f] = value == null ? 0 : contextIndex.get(f).getOrDefault(normalize(value), 0);
        }
        return slots;
    }

    /**
     * The request time at the resolution the time features read it ({@link TimeFeatures}: whole
     * seconds, UTC), or 0 when the spec has no time features: two instants with equal keys encode
     * equally. For cache keys.
     */
    public long timeKey(java.time.Instant timestamp) {
        return spec.time().features().isEmpty() ? 0L : timestamp.getEpochSecond();
    }

    /** Whether {@link #encode} reads the query text. */
    public boolean readsQuery() {
        return spec.queryEnabled();
    }

    /** {@link #itemInputs(FeatureSpec, TextEncoder, int, IntFunction, IntToDoubleFunction, IntFunction)} of catalog items. */
    public static Map<String, float[][]> itemInputs(FeatureSpec spec, TextEncoder text, List<CatalogItem> items) {
        return itemInputs(spec, text, items.size(), i -> items.get(i).title(), i -> items.get(i).price(), i -> items.get(i).category());
    }

    /**
     * The item tower's inputs for {@code n} items, by input name in spec order: the title through
     * {@code text}, the price through the spec's transform, the category one-hot over the spec's
     * vocabulary (exact match; 0 when unknown or absent). The one encoding of items, used by the
     * trainer for the catalog and by the server for live items.
     */
    public static Map<String, float[][]> itemInputs(FeatureSpec spec, TextEncoder text, int n, IntFunction<String> title,
                                                    IntToDoubleFunction price, IntFunction<String> category) {
        float[][] titles = new float[n][];
        float[][] prices = new float[n][1];
        FeatureSpec.CategorySpec categories = spec.item().category();
        float[][] oneHot = categories == null ? null : new float[n][categories.vocabulary().size() + 1];
        Map<String, Integer> categoryIndex = new HashMap<>();
        if (categories != null) {
            for (int c = 0; c < categories.vocabulary().size(); c++) categoryIndex.putIfAbsent(categories.vocabulary().get(c), c + 1);
        }
        for (int i = 0; i < n; i++) {
            titles[i] = text.embed(title.apply(i));
            prices[i][0] = spec.item().price().apply(price.applyAsDouble(i));
            if (oneHot != null) {
                String c = category.apply(i);
                oneHot[i][c == null ? 0 : categoryIndex.getOrDefault(c, 0)] = 1f;
            }
        }
        Map<String, float[][]> inputs = new LinkedHashMap<>();
        inputs.put(FeatureSpec.INPUT_TEXT, titles);
        inputs.put(FeatureSpec.INPUT_PRICE, prices);
        if (oneHot != null) inputs.put(FeatureSpec.INPUT_CATEGORY, oneHot);
        return inputs;
    }

    /** Stacks encoded rows into a batch, input by input. */
    public static Map<String, float[][]> batch(List<Map<String, float[]>> rows) {
        Map<String, float[][]> batch = new LinkedHashMap<>();
        if (rows.isEmpty()) return batch;
        for (String name : rows.get(0).keySet()) {
            float[][] column = new float[rows.size()][];
            for (int i = 0; i < rows.size(); i++) column[i] = rows.get(i).get(name);
            batch.put(name, column);
        }
        return batch;
    }

    static String normalize(String value) {
        return value.trim().toLowerCase(Locale.ROOT);
    }
}
