package ai.mercury.feature;

import ai.mercury.core.TowerInput;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * What the towers read, as recorded in a bundle's manifest ({@code feature_spec}). Both the
 * trainer and the server derive tower inputs from this one description, which is what keeps
 * training and serving features identical.
 *
 * <p>User tower inputs, in this order: one one-hot {@code ctx_<field>} per context field (width =
 * vocabulary + 1, slot 0 is the out-of-vocabulary bucket), {@code time} (the time features),
 * {@code history} (the mean of the history items' vectors, width = embedding dim) and
 * {@code has_history} (1 when at least one known history item was pooled), then, when the model
 * reads query text, {@code query} (text-encoder width) and {@code has_query}.
 *
 * <p>Item tower inputs: {@code text_embedding} (text-encoder width), {@code price} (1, transformed),
 * and {@code category} (one-hot, vocabulary + 1) when the catalog has categories.
 *
 * <p>Immutable and thread-safe.
 */
public record FeatureSpec(
        List<ContextField> context,
        TimeSpec time,
        HistorySpec history,
        QuerySpec query,
        ItemSpec item) {

    public static final String INPUT_TIME = "time";
    public static final String INPUT_HISTORY = "history";
    public static final String INPUT_HAS_HISTORY = "has_history";
    public static final String INPUT_QUERY = "query";
    public static final String INPUT_HAS_QUERY = "has_query";
    public static final String INPUT_TEXT = "text_embedding";
    public static final String INPUT_PRICE = "price";
    public static final String INPUT_CATEGORY = "category";
    public static final String CONTEXT_INPUT_PREFIX = "ctx_";

    public FeatureSpec {
        context = List.copyOf(Objects.requireNonNull(context, "feature_spec.context"));
        Objects.requireNonNull(time, "feature_spec.time");
        Objects.requireNonNull(history, "feature_spec.history");
        Objects.requireNonNull(item, "feature_spec.item");
        Set<String> names = new HashSet<>();
        for (ContextField f : context) {
            if (!names.add(f.name())) throw new IllegalArgumentException("feature_spec.context: duplicate field " + f.name());
        }
    }

    /** A categorical context field such as {@code country} or {@code device}. */
    public record ContextField(String name, List<String> vocabulary) {
        public ContextField {
            if (name == null || !name.matches("[a-z][a-z0-9_]*")) {
                throw new IllegalArgumentException("feature_spec.context: field name must match [a-z][a-z0-9_]*, got " + name);
            }
            vocabulary = List.copyOf(Objects.requireNonNull(vocabulary, "feature_spec.context." + name + ".vocabulary"));
        }

        public String inputName() {
            return CONTEXT_INPUT_PREFIX + name;
        }

        /** One-hot width: the vocabulary plus the out-of-vocabulary slot 0. */
        public int width() {
            return vocabulary.size() + 1;
        }
    }

    /** Time features computed from the request timestamp (UTC); see {@link TimeFeatures}. */
    public record TimeSpec(List<String> features) {
        public TimeSpec {
            features = List.copyOf(features);
            for (String f : features) TimeFeatures.requireKnown(f);
        }
    }

    /** History pooling: at most {@code cap} known items (most recent first), mean of their vectors. */
    public record HistorySpec(int cap, String pooling) {
        public HistorySpec {
            if (cap < 1) throw new IllegalArgumentException("feature_spec.history.cap must be >= 1, got " + cap);
            if (pooling == null) pooling = "mean";
            if (!pooling.equals("mean")) throw new IllegalArgumentException("feature_spec.history.pooling: only 'mean' is supported, got " + pooling);
        }
    }

    /** Present when the user tower reads the request's query text through the text encoder. */
    public record QuerySpec(boolean enabled) {}

    /** How the item tower reads a product. */
    public record ItemSpec(PriceTransform price, CategorySpec category) {
        public ItemSpec {
            Objects.requireNonNull(price, "feature_spec.item.price");
        }
    }

    /** {@code log1p_standardize}: (ln(1 + price) − mean) / std. */
    public record PriceTransform(String transform, double mean, double std) {
        public PriceTransform {
            if (!"log1p_standardize".equals(transform)) {
                throw new IllegalArgumentException("feature_spec.item.price.transform: only 'log1p_standardize' is supported, got " + transform);
            }
            if (!(std > 0) || !Double.isFinite(mean)) {
                throw new IllegalArgumentException("feature_spec.item.price: std must be > 0 and mean finite");
            }
        }

        public float apply(double price) {
            return (float) ((Math.log1p(Math.max(0, price)) - mean) / std);
        }
    }

    public record CategorySpec(List<String> vocabulary) {
        public CategorySpec {
            vocabulary = List.copyOf(vocabulary);
        }
    }

    public boolean queryEnabled() {
        return query != null && query.enabled();
    }

    /** The user tower's inputs in canonical order. */
    public List<TowerInput> userInputs(int embeddingDim, int textDim) {
        List<TowerInput> inputs = new ArrayList<>();
        for (ContextField f : context) inputs.add(new TowerInput(f.inputName(), f.width()));
        inputs.add(new TowerInput(INPUT_TIME, Math.max(1, time.features().size())));
        inputs.add(new TowerInput(INPUT_HISTORY, embeddingDim));
        inputs.add(new TowerInput(INPUT_HAS_HISTORY, 1));
        if (queryEnabled()) {
            inputs.add(new TowerInput(INPUT_QUERY, textDim));
            inputs.add(new TowerInput(INPUT_HAS_QUERY, 1));
        }
        return List.copyOf(inputs);
    }

    /** The item tower's inputs in canonical order. */
    public List<TowerInput> itemInputs(int textDim) {
        List<TowerInput> inputs = new ArrayList<>();
        inputs.add(new TowerInput(INPUT_TEXT, textDim));
        inputs.add(new TowerInput(INPUT_PRICE, 1));
        if (item.category() != null) inputs.add(new TowerInput(INPUT_CATEGORY, item.category().vocabulary().size() + 1));
        return List.copyOf(inputs);
    }
}
