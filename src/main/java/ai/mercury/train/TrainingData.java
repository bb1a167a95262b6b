package ai.mercury.train;

import ai.mercury.data.Basket;
import ai.mercury.data.Dataset;
import ai.mercury.data.ItemRecord;
import ai.mercury.feature.FeatureEncoder;
import ai.mercury.feature.FeatureSpec;
import ai.mercury.feature.TextEncoder;
import ai.mercury.feature.TimeFeatures;
import ai.mercury.feature.UserContext;
import ai.mercury.index.Vectors;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A dataset turned into what the trainer reads: the feature spec (vocabularies from the fit
 * period, price constants from the catalog), every catalog item's tower inputs, one
 * {@link Example} per fit basket with its user's prior history as ../shared/eval/PROTOCOL.md
 * defines it, the hold-out queries, and the target frequencies for the log-Q correction.
 * Context and time features come from {@link FeatureEncoder}, the serving code, so training and
 * serving features cannot drift apart. Immutable after construction.
 */
public final class TrainingData {

    /**
     * One basket seen from the user tower: its encoded context and time ({@code head}, the user
     * inputs before {@code history}, concatenated in spec order), the user's prior items (catalog
     * ordinals, most recent first, capped), and the basket's items (ordinals, basket order).
     */
    public record Example(float[] head, int[] prior, int[] items, Instant time, boolean holdout) {}

    /** A hold-out query built like a PROTOCOL.md test query. */
    public record Query(Slice slice, float[] head, int[] history, int[] targets) {}

    /** The PROTOCOL.md slices, as mirrored on the hold-out. */
    public enum Slice { WARM, COLD_USER_CONTEXT, COLD_USER_FIRST_ITEM }

    private final FeatureSpec spec;
    private final List<ItemRecord> items;
    private final Map<String, Integer> ordinals = new HashMap<>();
    private final float[][] itemText;
    /** Time spent embedding the catalog's titles (the text encoder, through its cache if it has one). */
    private final long textMillis;
    private final float[][] itemPrice;
    private final float[][] itemCategory;
    private final int textDim;
    private final int headWidth;
    private final List<Example> examples;
    private final List<Query> holdoutQueries;
    private final List<Map<String, String>> exampleContexts;
    private final List<Map<String, String>> queryContexts;
    private final List<Instant> queryTimes;
    private final boolean[] coldInHoldout;
    private final boolean[] heldOutOfSelection;
    private final TextEncoder textEncoder;
    private final FeatureEncoder encoder;
    private final int historyCap;

    /**
     * @param data        the cleaned dataset (every item is in the catalog; only baskets before {@code config.fitEnd()} are read)
     * @param textEncoder encodes item titles (and query text)
     */
    public TrainingData(Dataset data, TextEncoder textEncoder, TrainConfig config) {
        this.textEncoder = textEncoder;
        this.items = data.items();
        for (int i = 0; i < items.size(); i++) ordinals.put(items.get(i).itemId(), i);
        List<Basket> fit = data.baskets().stream().filter(b -> b.time().isBefore(config.fitEnd())).toList();
        if (fit.isEmpty()) throw new IllegalArgumentException("no basket before " + config.fitEnd() + ": nothing to train on");
        this.spec = buildSpec(fit, items, config);
        this.textDim = textEncoder.dim();

        int n = items.size();
        long t0 = System.nanoTime();
        Map<String, float[][]> itemInputs = FeatureEncoder.itemInputs(spec, textEncoder, n,
                i -> items.get(i).title(), i -> items.get(i).price(), i -> items.get(i).category());
        textMillis = (System.nanoTime() - t0) / 1_000_000;
        itemText = itemInputs.get(FeatureSpec.INPUT_TEXT);
        itemPrice = itemInputs.get(FeatureSpec.INPUT_PRICE);
        itemCategory = itemInputs.get(FeatureSpec.INPUT_CATEGORY);

        // Only the context and time inputs are read from this encoder: history is pooled by the model itself.
        this.historyCap = config.historyCap();
        this.encoder = new FeatureEncoder(spec, new Vectors(0, config.embeddingDim(), new float[0]), config.querySlot() ? textEncoder : null);
        int w = 0;
        for (FeatureSpec.ContextField f : spec.context()) w += f.width();
        headWidth = w + Math.max(1, spec.time().features().size());

        examples = new ArrayList<>(fit.size());
        holdoutQueries = new ArrayList<>();
        exampleContexts = new ArrayList<>(fit.size());
        queryContexts = new ArrayList<>();
        queryTimes = new ArrayList<>();
        Map<String, List<Basket>> byUser = new HashMap<>();
        for (Basket b : fit) {
            List<Basket> previous = byUser.computeIfAbsent(b.userId(), k -> new ArrayList<>());
            int[] prior = priorHistory(previous, b.time(), config.historyCap());
            int[] basketItems = b.items().stream().mapToInt(id -> ordinals.getOrDefault(id, -1)).filter(o -> o >= 0).toArray();
            previous.add(b);
            if (basketItems.length == 0) continue;
            float[] head = head(new UserContext(b.context(), b.time(), List.of(), null));
            boolean holdout = !b.time().isBefore(config.holdoutStart());
            examples.add(new Example(head, prior, basketItems, b.time(), holdout));
            exampleContexts.add(b.context());
            if (!holdout) continue;
            if (prior.length > 0) {
                holdoutQueries.add(new Query(Slice.WARM, head, prior, basketItems));
                queryContexts.add(b.context());
                queryTimes.add(b.time());
            } else {
                holdoutQueries.add(new Query(Slice.COLD_USER_CONTEXT, head, new int[0], basketItems));
                queryContexts.add(b.context());
                queryTimes.add(b.time());
                if (basketItems.length >= 2) {
                    holdoutQueries.add(new Query(Slice.COLD_USER_FIRST_ITEM, head, new int[] {basketItems[0]},
                            java.util.Arrays.copyOfRange(basketItems, 1, basketItems.length)));
                    queryContexts.add(b.context());
                    queryTimes.add(b.time());
                }
            }
        }
        if (holdoutQueries.isEmpty() || examples.stream().allMatch(Example::holdout)) {
            throw new IllegalArgumentException("the hold-out [" + config.holdoutStart() + ", " + config.fitEnd() + ") has "
                    + holdoutQueries.size() + " queries and " + examples.stream().filter(e -> !e.holdout()).count()
                    + " baskets before it; both must be non-empty: move split.holdout_start (or --holdout-start) inside the fit period");
        }
        coldInHoldout = new boolean[n];
        for (int i = 0; i < n; i++) {
            Instant first = items.get(i).firstSeen();
            coldInHoldout[i] = first != null && !first.isBefore(config.holdoutStart()) && first.isBefore(config.fitEnd());
        }
        heldOutOfSelection = pseudoColdItems(items, examples, config.holdoutStart());
        for (int i = 0; i < n; i++) if (heldOutOfSelection[i]) coldInHoldout[i] = true;
    }

    /** Items first seen in this window before the hold-out are candidates for the pseudo-cold sample. */
    static final java.time.Duration PSEUDO_COLD_WINDOW = java.time.Duration.ofDays(183);
    /** Share of the candidates drawn as pseudo-cold items. */
    static final double PSEUDO_COLD_SHARE = 0.25;
    /** A fixed sample, the same for every training seed, so that every seed is selected on the same slice. */
    static final long PSEUDO_COLD_SEED = 20111001L;

    /**
     * The hold-out's <b>pseudo-cold</b> items: a fixed random quarter of the items first seen in the half
     * year before the hold-out that are bought in it. The selection run (before the refit) never sees them,
     * neither as targets nor in histories, so on the hold-out they are cold items the way the test's are:
     * the item tower knows them from their text and price only. Unlike the items first seen inside the
     * hold-out (in October 2011 mostly one new product family whose titles resemble only each other), many
     * of them resemble older products, as the test's new items do (text_knn's recall over them is about
     * half the test's, against a quarter for October's new items).
     */
    static boolean[] pseudoColdItems(List<ItemRecord> items, List<Example> examples, Instant holdoutStart) {
        boolean[] inHoldout = new boolean[items.size()];
        for (Example e : examples) if (e.holdout()) for (int i : e.items()) inHoldout[i] = true;
        Instant from = holdoutStart.minus(PSEUDO_COLD_WINDOW);
        java.util.Random random = new java.util.Random(PSEUDO_COLD_SEED);
        boolean[] out = new boolean[items.size()];
        for (int i = 0; i < items.size(); i++) {
            Instant first = items.get(i).firstSeen();
            boolean candidate = inHoldout[i] && first != null && !first.isBefore(from) && first.isBefore(holdoutStart);
            // One draw per candidate, in catalog order: the sample does not depend on anything else.
            if (candidate && random.nextDouble() < PSEUDO_COLD_SHARE) out[i] = true;
        }
        return out;
    }

    /** The context-and-time part of a user's inputs, as the trainer feeds it. */
    float[] head(UserContext user) {
        Map<String, float[]> inputs = encoder.encode(new UserContext(user.context(), user.timestamp(), List.of(), null), id -> -1).inputs();
        float[] head = new float[headWidth];
        int off = 0;
        for (FeatureSpec.ContextField f : spec.context()) {
            float[] v = inputs.get(f.inputName());
            System.arraycopy(v, 0, head, off, v.length);
            off += v.length;
        }
        float[] t = inputs.get(FeatureSpec.INPUT_TIME);
        System.arraycopy(t, 0, head, off, t.length);
        return head;
    }

    /** The catalog ordinals of a user's history as the trainer pools it: known ids only, at most the cap. */
    int[] historyOrdinals(UserContext user) {
        return user.history().stream().mapToInt(this::ordinalOf).filter(o -> o >= 0).limit(historyCap).toArray();
    }

    /**
     * PROTOCOL.md's history: the user's baskets strictly before {@code t}, most recent first (equal
     * times: later in the file first), items in basket order, first occurrence kept, capped.
     */
    private int[] priorHistory(List<Basket> previous, Instant t, int cap) {
        Set<Integer> seen = new LinkedHashSet<>();
        for (int k = previous.size() - 1; k >= 0 && seen.size() < cap; k--) {
            Basket p = previous.get(k);
            if (!p.time().isBefore(t)) continue;
            for (String id : p.items()) {
                Integer o = ordinals.get(id);
                if (o != null) seen.add(o);
                if (seen.size() == cap) break;
            }
        }
        return seen.stream().mapToInt(Integer::intValue).toArray();
    }

    static FeatureSpec buildSpec(List<Basket> fit, List<ItemRecord> items, TrainConfig config) {
        Map<String, Map<String, Integer>> counts = new LinkedHashMap<>();
        for (Basket b : fit) {
            for (Map.Entry<String, String> e : new java.util.TreeMap<>(b.context()).entrySet()) {
                if (e.getValue() == null || e.getValue().isBlank()) continue;
                counts.computeIfAbsent(e.getKey(), k -> new HashMap<>()).merge(e.getValue().trim(), 1, Integer::sum);
            }
        }
        List<FeatureSpec.ContextField> fields = new ArrayList<>();
        counts.forEach((name, values) -> fields.add(new FeatureSpec.ContextField(name, values.entrySet().stream()
                .sorted(Comparator.<Map.Entry<String, Integer>>comparingInt(e -> -e.getValue()).thenComparing(Map.Entry::getKey))
                .map(Map.Entry::getKey).toList())));
        double mean = items.stream().mapToDouble(i -> Math.log1p(i.price())).average().orElse(0);
        double var = items.stream().mapToDouble(i -> Math.pow(Math.log1p(i.price()) - mean, 2)).average().orElse(1);
        List<String> categories = items.stream().map(ItemRecord::category).filter(c -> c != null && !c.isBlank()).distinct().sorted().toList();
        return new FeatureSpec(fields, new FeatureSpec.TimeSpec(TimeFeatures.ALL), new FeatureSpec.HistorySpec(config.historyCap(), "mean"),
                config.querySlot() ? new FeatureSpec.QuerySpec(true) : null,
                new FeatureSpec.ItemSpec(new FeatureSpec.PriceTransform("log1p_standardize", mean, Math.max(1e-6, Math.sqrt(var))),
                        categories.isEmpty() ? null : new FeatureSpec.CategorySpec(categories)));
    }

    public FeatureSpec spec() {
        return spec;
    }

    public List<ItemRecord> items() {
        return items;
    }

    public int itemCount() {
        return items.size();
    }

    /** Catalog ordinal of an item id, or -1. */
    public int ordinalOf(String itemId) {
        return ordinals.getOrDefault(itemId, -1);
    }

    public int textDim() {
        return textDim;
    }

    public TextEncoder textEncoder() {
        return textEncoder;
    }

    /** Width of the context-and-time part of the user tower's input. */
    public int headWidth() {
        return headWidth;
    }

    /** Milliseconds spent embedding the catalog's titles while this was built. */
    public long textMillis() {
        return textMillis;
    }

    /** Title embeddings, {@code [items][textDim]}; shared, do not modify. */
    float[][] itemText() {
        return itemText;
    }

    /** The item tower's inputs for the whole catalog, by input name, in spec order. */
    public Map<String, float[][]> itemInputs() {
        Map<String, float[][]> inputs = new LinkedHashMap<>();
        inputs.put(FeatureSpec.INPUT_TEXT, itemText);
        inputs.put(FeatureSpec.INPUT_PRICE, itemPrice);
        if (itemCategory != null) inputs.put(FeatureSpec.INPUT_CATEGORY, itemCategory);
        return inputs;
    }

    /** Every fit basket, in time order. */
    public List<Example> examples() {
        return examples;
    }

    /** Each example's basket context (field → value), parallel to {@link #examples()}. */
    public List<Map<String, String>> exampleContexts() {
        return exampleContexts;
    }

    /** Each hold-out query's context, parallel to {@link #holdoutQueries()}. */
    public List<Map<String, String>> queryContexts() {
        return queryContexts;
    }

    /** Each hold-out query's basket time, parallel to {@link #holdoutQueries()}. */
    public List<Instant> queryTimes() {
        return queryTimes;
    }

    public List<Query> holdoutQueries() {
        return holdoutQueries;
    }

    /**
     * True for the hold-out's cold items: those first seen inside the hold-out window and the
     * {@linkplain #heldOutOfSelection pseudo-cold} ones.
     */
    public boolean coldInHoldout(int ordinal) {
        return coldInHoldout[ordinal];
    }

    /** True for the pseudo-cold items that the selection run (before the refit) never trains on. */
    public boolean heldOutOfSelection(int ordinal) {
        return heldOutOfSelection[ordinal];
    }

    /** How many pseudo-cold items there are. */
    public int heldOutOfSelectionCount() {
        int c = 0;
        for (boolean b : heldOutOfSelection) if (b) c++;
        return c;
    }

    /**
     * The example without the pseudo-cold items (in its history and its items), or null when no item is
     * left: what the selection run trains on.
     */
    Example withoutHeldOut(Example e) {
        int[] prior = java.util.Arrays.stream(e.prior()).filter(i -> !heldOutOfSelection[i]).toArray();
        int[] basket = java.util.Arrays.stream(e.items()).filter(i -> !heldOutOfSelection[i]).toArray();
        if (basket.length == 0) return null;
        if (prior.length == e.prior().length && basket.length == e.items().length) return e;
        return new Example(e.head(), prior, basket, e.time(), e.holdout());
    }
}
