package ai.mercury.train;

import ai.mercury.bundle.HybridBlend;
import ai.mercury.bundle.HybridBlend.QueryKind;
import ai.mercury.bundle.HybridBlend.Weights;
import ai.mercury.bundle.HybridRanker;
import ai.mercury.bundle.HybridSignals;
import ai.mercury.bundle.TextNeighbours;
import ai.mercury.core.Json;
import ai.mercury.index.ItemIndex;
import ai.mercury.index.ItemIndexes;
import ai.mercury.index.SearchResult;
import ai.mercury.index.Vectors;
import ai.mercury.train.TrainingData.Query;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Chooses the hybrid's weights ({@link HybridBlend}) on the trainer's hold-out, never the test: the
 * selection model (fit before the hold-out, {@link TwoTowerTrainer.SelectionVectors}) ranks every
 * hold-out query through {@link HybridRanker}, the server's code, with count signals from the baskets
 * before the hold-out (pseudo-cold items left out, as the selection run never sees them). Per kind
 * of query (no history / one item / longer) a grid of weights in units of the model's score spread
 * is tried, on the condition that the kind's cold-item recall does not drop by more than
 * {@link #COLD_TOLERANCE}. The choice ({@link Criterion#BAR}, the default) first minimises the kind's
 * shortfall against the best baseline on the same queries (Recall@100 and NDCG@10, per slice), then
 * takes the fewest candidate sources within {@link #SOURCE_MARGIN} of the most Recall@100 and NDCG@10
 * relative to the model alone ({@link Choice}), then the most of it: a weak model (a sparse shop) is pushed
 * towards the counts until it is at least as good as the simple methods, where the gain alone
 * ({@link Criterion#MODEL_GAIN}, the criterion before) could stop short of them. Then the chosen
 * blend, the model alone and the baselines (popularity, popularity by the context field,
 * cooccurrence, exact and untruncated) are reported per slice.
 *
 * <p>With title vectors, the hold-out also has the title neighbours ({@link TextNeighbours}) as a
 * candidate source and text_knn as the cold-item baseline (the counts' baselines score 0 on new items
 * by construction, so without it nothing would say that the towers find new products worse than
 * plain title similarity). A second pass per kind then chooses the title weight (and the unknown
 * weight again) with the count weights fixed, by the same rule, the cold-item shortfall against
 * text_knn counted beside the query slices': on the cold items together and on each {@link ColdKind}
 * (items first sold in the hold-out, pseudo-cold items), the worst of them.
 */
public final class HybridTuner {
    static final int K = 100;
    /** Absolute cold-item Recall@100 the blend may lose against the model alone on a kind's queries. */
    static final double COLD_TOLERANCE = 0.005;
    /**
     * The gain (Recall@100 ratio + NDCG@10 ratio against the model alone, on a kind's hold-out queries)
     * that fewer candidate sources may give up: 0.02 is 1 % on average. On Online Retail it leaves off
     * popularity for queries without history (+0.8 % on the hold-out, nothing on the test split) and the
     * titles for longer histories (+0.2 % on the hold-out); a source that closes a shortfall against a
     * baseline is never left off (the shortfall decides first).
     */
    static final double SOURCE_MARGIN = 0.02;
    /** In units of the model's score spread; 12.8 lets the counts decide the order (about the cooccurrence baseline's). */
    static final float[] COUNT_WEIGHTS = {0f, 0.01f, 0.02f, 0.05f, 0.1f, 0.2f, 0.4f, 0.8f, 1.6f, 3.2f, 12.8f};
    /**
     * Multiples of the known candidates' mean bonus; above 2 for count-heavy blends, whose bonuses are skewed (a few large
     * ones). Eighths between 1 and 1.5: with heavy count weights the new items pass most known candidates within that
     * step (a sparse variant of Online Retail: 2 % of its new items' hold-out recall at 1, 24 % at 1.5, 10 % at 1.125).
     */
    static final float[] UNKNOWN_WEIGHTS = {0f, 0.5f, 1f, 1.125f, 1.25f, 1.375f, 1.5f, 2f, 3f, 4f, 6f};
    /** A kind of hold-out cold item ({@link ColdKind}) has its own text_knn comparison from this many queries up. */
    static final int MIN_COLD_KIND_QUERIES = 30;
    /** In units of the model's score spread, times the mean title cosine with the history (0..1). */
    static final float[] TEXT_WEIGHTS = {0f, 0.05f, 0.1f, 0.2f, 0.4f, 0.8f, 1.6f, 3.2f, 12.8f};
    static final String[] SLICES = {"warm", "cold_user_context", "cold_user_first_item"};
    static final String COLD_ITEM = "cold_item";
    /** The slices the verdict covers: cold_item only against text_knn (the counts' baselines cannot reach new items). */
    static final String[] ALL_SLICES = {"warm", "cold_user_context", "cold_user_first_item", COLD_ITEM};
    static final String TEXT_KNN = "text_knn";

    /**
     * The two kinds of cold item on the hold-out, which favour different rankers: items first sold in the
     * hold-out (new products, like the test's) and the pseudo-cold ones ({@link TrainingData#heldOutOfSelection}:
     * older products hidden from the selection run). On a sparse variant of Online Retail the towers
     * beat text_knn on the pseudo-cold items (0.158 vs 0.078) and lost to it on the new ones (0.026 vs
     * 0.044), as they did on the test's new products; on the two together they seemed to win.
     */
    enum ColdKind { NEW, PSEUDO }

    /** Per slice: [recall@100 sum, ndcg@10 sum, queries], and cold_item: [recall sum, 0, queries]; cold_item by {@link ColdKind} apart. */
    static final class Tally {
        final Map<String, double[]> sums = new LinkedHashMap<>();
        /** Per {@link ColdKind}: [recall@100 sum, queries]. */
        final double[][] coldKinds = new double[ColdKind.values().length][2];

        void addCold(ColdKind kind, double recall) {
            coldKinds[kind.ordinal()][0] += recall;
            coldKinds[kind.ordinal()][1]++;
        }

        double coldRecall(ColdKind kind) {
            double[] s = coldKinds[kind.ordinal()];
            return s[1] == 0 ? 0 : s[0] / s[1];
        }

        int coldQueries(ColdKind kind) {
            return (int) coldKinds[kind.ordinal()][1];
        }

        void add(String slice, double recall, double ndcg) {
            double[] s = sums.computeIfAbsent(slice, x -> new double[3]);
            s[0] += recall;
            s[1] += ndcg;
            s[2]++;
        }

        double recall(String slice) {
            double[] s = sums.get(slice);
            return s == null || s[2] == 0 ? 0 : s[0] / s[2];
        }

        double ndcg(String slice) {
            double[] s = sums.get(slice);
            return s == null || s[2] == 0 ? 0 : s[1] / s[2];
        }

        int queries(String slice) {
            double[] s = sums.get(slice);
            return s == null ? 0 : (int) s[2];
        }

        ObjectNode toJson() {
            ObjectNode o = Json.MAPPER.createObjectNode();
            sums.forEach((slice, s) -> {
                ObjectNode e = o.putObject(slice);
                e.put("queries", (int) s[2]);
                e.put("recall@100", round(recall(slice)));
                if (!slice.equals(COLD_ITEM)) e.put("ndcg@10", round(ndcg(slice)));
            });
            return o;
        }
    }

    /** The chosen blend and the hold-out figures by method. */
    public record Outcome(HybridBlend blend, Map<String, Tally> figures, List<String> losses, float spread) {
        public ObjectNode toJson() {
            ObjectNode o = Json.MAPPER.createObjectNode();
            o.set("weights", blend.toJson());
            o.put("model_score_spread", spread);
            ObjectNode h = o.putObject("holdout");
            figures.forEach((m, t) -> h.set(m, t.toJson()));
            ObjectNode best = o.putObject("holdout_best_baseline");
            for (String slice : ALL_SLICES) {
                if (slice.equals(COLD_ITEM) && !figures.containsKey(TEXT_KNN)) continue;
                ObjectNode b = best.putObject(slice);
                for (String metric : slice.equals(COLD_ITEM) ? new String[] {"recall@100"} : new String[] {"recall@100", "ndcg@10"}) {
                    String name = bestBaseline(figures, slice, metric);
                    if (name == null) continue;
                    ObjectNode e = b.putObject(metric);
                    e.put("method", name);
                    e.put("value", round(value(figures.get(name), slice, metric)));
                }
            }
            ArrayNode l = o.putArray("holdout_losses_to_best_baseline");
            losses.forEach(l::add);
            o.put("holdout_beats_best_baseline", losses.isEmpty());
            return o;
        }
    }

    /** How a kind's weights are chosen among those that keep its cold items. */
    public enum Criterion {
        /** Least shortfall against the best baseline on the kind's hold-out queries, then the most gain over the model alone. */
        BAR,
        /** The most gain over the model alone (Recall@100 and NDCG@10 ratios), as before the bar. */
        MODEL_GAIN;

        public static Criterion parse(String s) {
            return switch (s.toLowerCase(Locale.ROOT).replace('_', '-')) {
                case "bar" -> BAR;
                case "model-gain" -> MODEL_GAIN;
                default -> throw new IllegalArgumentException("the tuning criterion must be bar or model-gain, got " + s);
            };
        }
    }

    static final String HYBRID = "hybrid";
    static final String MODEL = "model";

    private final TrainingData data;
    private final TwoTowerTrainer.SelectionVectors sel;
    private final HybridSignals signals;
    private final String field;
    private final String popularityName;
    private final List<Query> queries;
    private final int n;
    // Per query: the scores of the model's exact top K (the spread of the weights' unit).
    private final float[][] modelScore;
    private final int[] contextValue;
    // Per query: the merged candidates, ranked under each weight of the grid (the merge does not depend on them).
    private final HybridRanker.Candidates[] candidates;
    private final float[] rankScore;
    private final long[] rankOrder;
    // The baselines on every query and on each kind's queries, computed once (on first use).
    private Map<String, Tally> baselinesAll;
    private Map<QueryKind, Map<String, Tally>> baselinesByKind;
    // Title vectors by ordinal (null: no title signal, no text_knn).
    private final float[][] titleVectors;

    public HybridTuner(TrainingData data, TwoTowerTrainer.SelectionVectors sel, String field) {
        this(data, sel, field, null);
    }

    /** @param titleVectors the text encoder's title embedding per ordinal, for the title neighbours and text_knn; null: neither */
    public HybridTuner(TrainingData data, TwoTowerTrainer.SelectionVectors sel, String field, float[][] titleVectors) {
        this.data = data;
        this.sel = sel;
        this.field = field;
        this.popularityName = "popularity_by_" + (field == null ? "context" : field);
        this.queries = data.holdoutQueries();
        this.n = data.itemCount();
        List<int[]> baskets = new ArrayList<>();
        List<String> values = new ArrayList<>();
        for (int e = 0; e < data.examples().size(); e++) {
            TrainingData.Example ex = data.examples().get(e);
            if (ex.holdout()) continue;
            int[] items = Arrays.stream(ex.items()).filter(i -> !data.heldOutOfSelection(i)).toArray();
            if (items.length == 0) continue;
            baskets.add(items);
            values.add(field == null ? null : data.exampleContexts().get(e).get(field));
        }
        this.titleVectors = titleVectors;
        HybridSignals counts = HybridSignals.count(n, baskets, values, field, HybridSignals.DEFAULT_NEIGHBOURS);
        this.signals = titleVectors == null ? counts : counts.withText(TextNeighbours.of(titleVectors, TextNeighbours.DEFAULT_PER_ITEM));
        int q = queries.size();
        modelScore = new float[q][];
        contextValue = new int[q];
        int[] all = new int[n];
        int[] keys = new int[n];
        for (int i = 0; i < n; i++) keys[i] = i;
        float[] scores = new float[n];
        float[][] items = sel.items();
        candidates = new HybridRanker.Candidates[q];
        HybridRanker.ItemVectors vectors = HybridRanker.ItemVectors.of(items);
        int most = 0;
        for (int k = 0; k < q; k++) {
            float[] u = sel.users()[k];
            for (int i = 0; i < n; i++) scores[i] = vectors.dot(u, i);
            for (int i = 0; i < n; i++) all[i] = i;
            int top = Math.min(K, n);
            HybridRanker.selectTop(all, n, top, scores, keys);
            int[] modelOrd = Arrays.copyOf(all, top);
            modelScore[k] = new float[top];
            for (int i = 0; i < top; i++) modelScore[k][i] = scores[all[i]];
            contextValue[k] = signals.valueIndex(field == null ? null : data.queryContexts().get(k).get(field));
            int[] history = queries.get(k).history();
            candidates[k] = HybridRanker.candidates(signals, history, history.length, contextValue[k], modelOrd, modelScore[k],
                    top, o -> vectors.dot(u, o), vectors, HybridRanker.IDENTITY, HybridRanker.EXTRA_PER_SOURCE);
            most = Math.max(most, candidates[k].size());
        }
        rankScore = new float[most];
        rankOrder = new long[most];
    }

    public Outcome tune(PrintStream progress) {
        return tune(progress, Criterion.BAR);
    }

    public Outcome tune(PrintStream progress, Criterion criterion) {
        // The weights' unit: the median gap between the model's first and K-th score.
        float[] gaps = new float[queries.size()];
        for (int k = 0; k < gaps.length; k++) gaps[k] = modelScore[k][0] - modelScore[k][modelScore[k].length - 1];
        Arrays.sort(gaps);
        float spread = gaps.length == 0 ? 1f : Math.max(1e-3f, gaps[gaps.length / 2]);
        HybridBlend blend = HybridBlend.MODEL_ONLY;
        for (QueryKind kind : QueryKind.values()) {
            Tally base = evaluate(HybridBlend.MODEL_ONLY, kind);
            String slice = null;
            for (String s : base.sums.keySet()) {
                if (s.equals(COLD_ITEM)) continue;
                slice = s;
            }
            if (slice == null) continue; // no query of this kind on the hold-out: the model alone
            double baseR = mean(base, true);
            double baseN = mean(base, false);
            double baseCold = base.recall(COLD_ITEM);
            int coldQueries = base.queries(COLD_ITEM);
            Map<String, Tally> kindBaselines = criterion == Criterion.BAR ? baselines(kind) : Map.of();
            Choice choice = new Choice(Weights.MODEL_ONLY, 2, shortfall(base, kindBaselines));
            for (float c : kind == QueryKind.NO_HISTORY ? new float[] {0f} : COUNT_WEIGHTS) {
                for (float p : COUNT_WEIGHTS) {
                    if (c == 0 && p == 0) continue;
                    for (float u : UNKNOWN_WEIGHTS) {
                        Weights w = new Weights(c * spread, p * spread, u);
                        Tally t = evaluate(blend.with(kind, w), kind);
                        if (coldQueries > 0 && t.recall(COLD_ITEM) < baseCold - COLD_TOLERANCE) continue;
                        choice.offer(w, ratio(mean(t, true), baseR) + ratio(mean(t, false), baseN), shortfall(t, kindBaselines));
                    }
                }
            }
            if (signals.textNeighbours() > 0 && kind != QueryKind.NO_HISTORY) {
                // Second pass: the title weight (and the unknown weight with it), the count weights as chosen;
                // the cold-item shortfall against text_knn now counts beside the query slices'.
                Weights counts = choice.weights;
                Tally first = evaluate(blend.with(kind, counts), kind);
                choice = new Choice(counts, ratio(mean(first, true), baseR) + ratio(mean(first, false), baseN),
                        shortfall(first, kindBaselines) + coldShortfall(first, kindBaselines));
                for (float t : TEXT_WEIGHTS) {
                    if (t == 0) continue;
                    for (float u : UNKNOWN_WEIGHTS) {
                        Weights w = new Weights(counts.cooccurrence(), counts.popularity(), u, t * spread);
                        Tally tt = evaluate(blend.with(kind, w), kind);
                        if (coldQueries > 0 && tt.recall(COLD_ITEM) < baseCold - COLD_TOLERANCE) continue;
                        choice.offer(w, ratio(mean(tt, true), baseR) + ratio(mean(tt, false), baseN),
                                shortfall(tt, kindBaselines) + coldShortfall(tt, kindBaselines));
                    }
                }
            }
            blend = blend.with(kind, choice.weights);
            if (progress != null) {
                progress.printf(Locale.ROOT, "hybrid weights for %s queries: %s (hold-out recall@100 and ndcg@10 x%.3f on average vs the model alone;"
                                + " shortfall against the best baseline %.4f)%n", kind.key, choice.weights, choice.score / 2, choice.shortfall);
            }
        }
        Map<String, Tally> figures = new LinkedHashMap<>();
        figures.put(HYBRID, evaluate(blend, null));
        figures.put(MODEL, evaluate(HybridBlend.MODEL_ONLY, null));
        figures.putAll(baselines(null));
        List<String> losses = new ArrayList<>();
        Tally hybrid = figures.get(HYBRID);
        for (String slice : ALL_SLICES) {
            if (hybrid.queries(slice) == 0) continue;
            for (String metric : slice.equals(COLD_ITEM) ? new String[] {"recall@100"} : new String[] {"recall@100", "ndcg@10"}) {
                String best = bestBaseline(figures, slice, metric);
                if (best != null && value(hybrid, slice, metric) < value(figures.get(best), slice, metric)) {
                    losses.add(String.format(Locale.ROOT, "%s %s: %.4f < %s %.4f", slice, metric, value(hybrid, slice, metric), best,
                            value(figures.get(best), slice, metric)));
                }
            }
        }
        if (progress != null) {
            for (String slice : SLICES) {
                StringBuilder line = new StringBuilder("hold-out " + slice + " recall@100 / ndcg@10:");
                figures.forEach((m, t) -> {
                    if (t.queries(slice) > 0) line.append(String.format(Locale.ROOT, "  %s %.4f / %.4f", m, t.recall(slice), t.ndcg(slice)));
                });
                progress.println(line);
            }
            progress.printf(Locale.ROOT, "hold-out cold_item recall@100: hybrid %.4f, model %.4f%s%n", hybrid.recall(COLD_ITEM),
                    figures.get(MODEL).recall(COLD_ITEM), figures.containsKey(TEXT_KNN)
                            ? String.format(Locale.ROOT, ", text_knn %.4f", figures.get(TEXT_KNN).recall(COLD_ITEM)) : "");
            for (ColdKind kind : ColdKind.values()) {
                StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "hold-out cold_item recall@100, %s (%d queries):",
                        kind == ColdKind.NEW ? "items first sold in the hold-out" : "pseudo-cold items", hybrid.coldQueries(kind)));
                for (String m : new String[] {HYBRID, MODEL, TEXT_KNN}) {
                    if (figures.containsKey(m)) line.append(String.format(Locale.ROOT, " %s %.4f", m, figures.get(m).coldRecall(kind)));
                }
                progress.println(line);
            }
            progress.println(losses.isEmpty() ? "hold-out: the hybrid is at least as good as the best baseline on every slice"
                    : "hold-out: the hybrid loses to the best baseline on " + losses);
        }
        return new Outcome(blend, figures, losses, spread);
    }

    /**
     * How far a kind's figures fall below the best baseline's on the same queries: per slice of the
     * kind and per metric (Recall@100, NDCG@10), the relative shortfall, weighted by the slice's share
     * of the kind's queries; 0 when the hybrid is at least as good everywhere (or no baselines given).
     */
    static double shortfall(Tally t, Map<String, Tally> baselines) {
        if (baselines.isEmpty()) return 0;
        double total = 0;
        double queries = 0;
        for (String slice : t.sums.keySet()) if (!slice.equals(COLD_ITEM)) queries += t.queries(slice);
        for (String slice : t.sums.keySet()) {
            if (slice.equals(COLD_ITEM)) continue;
            for (String metric : new String[] {"recall@100", "ndcg@10"}) {
                String best = bestBaseline(baselines, slice, metric);
                if (best == null) continue;
                double b = value(baselines.get(best), slice, metric);
                double v = value(t, slice, metric);
                if (b > 0 && v < b) total += (b - v) / b * t.queries(slice) / queries;
            }
        }
        return total;
    }

    /**
     * One kind's choice among the weights offered: the least shortfall, then the fewest candidate
     * sources ({@link Weights#sources()}) whose gain over the model alone is within
     * {@link #SOURCE_MARGIN} of the most gain, then the most gain. Each source costs CPU on every
     * request of the kind, so one that the hold-out cannot tell from noise is left off.
     */
    static final class Choice {
        private final List<Weights> offered = new ArrayList<>();
        private final List<double[]> figures = new ArrayList<>(); // [score, shortfall]
        Weights weights;
        double score;
        double shortfall;

        Choice(Weights weights, double score, double shortfall) {
            offer(weights, score, shortfall);
        }

        void offer(Weights w, double score, double shortfall) {
            offered.add(w);
            figures.add(new double[] {score, shortfall});
            double least = Double.MAX_VALUE;
            for (double[] f : figures) least = Math.min(least, f[1]);
            double most = -Double.MAX_VALUE;
            for (double[] f : figures) if (f[1] <= least + 1e-9) most = Math.max(most, f[0]);
            int best = -1;
            for (int i = 0; i < offered.size(); i++) {
                double[] f = figures.get(i);
                if (f[1] > least + 1e-9 || f[0] < most - SOURCE_MARGIN) continue;
                if (best < 0) {
                    best = i;
                    continue;
                }
                int sources = offered.get(i).sources();
                int bestSources = offered.get(best).sources();
                if (sources < bestSources || (sources == bestSources && f[0] > figures.get(best)[0] + 1e-9)) best = i;
            }
            this.weights = offered.get(best);
            this.score = figures.get(best)[0];
            this.shortfall = figures.get(best)[1];
        }
    }

    /**
     * The relative cold-item Recall@100 shortfall against text_knn on the same queries (0 without text_knn or
     * when not behind): the larger of the shortfall on all cold items and on each {@link ColdKind} with at least
     * {@link #MIN_COLD_KIND_QUERIES} queries, so that one kind's lead does not hide the other's loss.
     */
    static double coldShortfall(Tally t, Map<String, Tally> baselines) {
        Tally text = baselines.get(TEXT_KNN);
        if (text == null || text.queries(COLD_ITEM) == 0) return 0;
        double worst = relativeShortfall(t.recall(COLD_ITEM), text.recall(COLD_ITEM));
        for (ColdKind kind : ColdKind.values()) {
            if (text.coldQueries(kind) < MIN_COLD_KIND_QUERIES) continue;
            worst = Math.max(worst, relativeShortfall(t.coldRecall(kind), text.coldRecall(kind)));
        }
        return worst;
    }

    private static double relativeShortfall(double value, double baseline) {
        return baseline > 0 && value < baseline ? (baseline - value) / baseline : 0;
    }

    private static double ratio(double v, double base) {
        return base <= 0 ? (v > 0 ? 2 : 1) : v / base;
    }

    /** Mean over the tally's query slices (not cold_item), weighted by queries. */
    private static double mean(Tally t, boolean recall) {
        double sum = 0;
        double count = 0;
        for (Map.Entry<String, double[]> e : t.sums.entrySet()) {
            if (e.getKey().equals(COLD_ITEM)) continue;
            sum += recall ? e.getValue()[0] : e.getValue()[1];
            count += e.getValue()[2];
        }
        return count == 0 ? 0 : sum / count;
    }

    static String bestBaseline(Map<String, Tally> figures, String slice, String metric) {
        String best = null;
        double bestValue = -1;
        for (Map.Entry<String, Tally> e : figures.entrySet()) {
            if (e.getKey().equals(HYBRID) || e.getKey().equals(MODEL)) continue;
            double v = value(e.getValue(), slice, metric);
            if (e.getValue().queries(slice) > 0 && v > bestValue) {
                bestValue = v;
                best = e.getKey();
            }
        }
        return best;
    }

    static double value(Tally t, String slice, String metric) {
        return metric.equals("recall@100") ? t.recall(slice) : t.ndcg(slice);
    }

    /** The hold-out queries of {@code kind} (all when null) ranked by the blend. */
    Tally evaluate(HybridBlend blend, QueryKind kind) {
        Tally t = new Tally();
        int[] out = new int[K];
        float[] outScores = new float[K];
        for (int k = 0; k < queries.size(); k++) {
            Query query = queries.get(k);
            QueryKind qk = QueryKind.of(query.history().length);
            if (kind != null && qk != kind) continue;
            int got = HybridRanker.rank(candidates[k], blend.of(qk), rankScore, rankOrder, out, outScores);
            score(t, query, out, got);
        }
        return t;
    }

    /**
     * Adds one query's figures. The pseudo-cold targets ({@link TrainingData#heldOutOfSelection}) count
     * for cold_item only: they are new to the selection model and to the counts here, but on the test
     * split the same kind of item (sold before the split) is known to both, so in the query slices they
     * would handicap the count baselines and the count-heavy blends against the model, and the weights
     * would lean towards the model more than the test warrants. The hold-out's truly new items (first
     * sold in it) stay targets everywhere, as the test's new items do.
     */
    private void score(Tally t, Query query, int[] ranking, int got) {
        int[] targets = query.targets();
        int known = 0;
        int hits = 0;
        double dcg = 0;
        for (int target : targets) {
            if (data.heldOutOfSelection(target)) continue;
            int rank = -1;
            for (int i = 0; i < got; i++) {
                if (ranking[i] == target) {
                    rank = i;
                    break;
                }
            }
            known++;
            if (rank >= 0) hits++;
            if (rank >= 0 && rank < 10) dcg += 1 / (Math.log(rank + 2) / Math.log(2));
        }
        if (known > 0) {
            double idcg = 0;
            for (int i = 0; i < Math.min(10, known); i++) idcg += 1 / (Math.log(i + 2) / Math.log(2));
            t.add(query.slice().name().toLowerCase(Locale.ROOT), hits / (double) known, dcg / idcg);
        }
        scoreCold(t, query, ranking, got);
    }

    /** popularity, popularity by the context field and cooccurrence, exact, on the same queries (of {@code kind}; null: all) and counts. */
    private Map<String, Tally> baselines(QueryKind kind) {
        if (baselinesAll == null) computeBaselines();
        return kind == null ? baselinesAll : baselinesByKind.get(kind);
    }

    private Map<String, Tally> newBaselineTallies() {
        Map<String, Tally> out = new LinkedHashMap<>();
        out.put("popularity", new Tally());
        out.put(popularityName, new Tally());
        out.put("cooccurrence", new Tally());
        if (titleVectors != null) out.put(TEXT_KNN, new Tally());
        return out;
    }

    /** Ranks every query once by each baseline, tallied over all queries and per kind. */
    private void computeBaselines() {
        baselinesAll = newBaselineTallies();
        baselinesByKind = new java.util.EnumMap<>(QueryKind.class);
        for (QueryKind kind : QueryKind.values()) baselinesByKind.put(kind, newBaselineTallies());
        // Basket lists per item, for the untruncated co-occurrence counts.
        List<int[]> baskets = new ArrayList<>();
        List<List<Integer>> containing = new ArrayList<>(n);
        for (int i = 0; i < n; i++) containing.add(new ArrayList<>());
        for (TrainingData.Example ex : data.examples()) {
            if (ex.holdout()) continue;
            int[] items = Arrays.stream(ex.items()).filter(i -> !data.heldOutOfSelection(i)).distinct().toArray();
            if (items.length == 0) continue;
            for (int i : items) containing.get(i).add(baskets.size());
            baskets.add(items);
        }
        float maxCount = 1;
        for (int i = 0; i < n; i++) maxCount = Math.max(maxCount, signals.count(i));
        int[] all = new int[n];
        int[] keys = new int[n];
        for (int i = 0; i < n; i++) keys[i] = i;
        float[] counts = new float[n];
        for (int i = 0; i < n; i++) counts[i] = signals.count(i);
        int[] popRanking = new int[K];
        int popGot = rankInto(counts, all, keys, popRanking); // the same for every query
        float[] ctx = new float[n];
        float[] c = new float[n];
        int[] ranking = new int[K];
        // By context: the value's own count first, the overall count breaks ties and orders the rest; one ranking per value.
        Map<Integer, int[]> ctxRankings = new java.util.HashMap<>();
        for (int k = 0; k < queries.size(); k++) {
            Query query = queries.get(k);
            Map<String, Tally> kindTallies = baselinesByKind.get(QueryKind.of(query.history().length));
            scoreBaseline("popularity", kindTallies, query, popRanking, popGot);
            int v = contextValue[k];
            for (int i = 0; i < n; i++) ctx[i] = signals.valueCount(i, v) + signals.count(i) / (2 * maxCount);
            int[] ctxRanking = ctxRankings.computeIfAbsent(v, x -> {
                int[] r = new int[K];
                int got = rankInto(ctx, all, keys, r); // reads ctx only
                return Arrays.copyOf(r, got);
            });
            scoreBaseline(popularityName, kindTallies, query, ctxRanking, ctxRanking.length);
            // Co-occurrence: whole counts first, popularity by context (scaled below one count) after.
            for (int i = 0; i < n; i++) c[i] = ctx[i] / (2 * maxCount + 1);
            for (int h : query.history()) {
                for (int b : containing.get(h)) for (int i : baskets.get(b)) c[i] += 1;
            }
            int got = rankInto(c, all, keys, ranking);
            scoreBaseline("cooccurrence", kindTallies, query, ranking, got);
        }
        if (titleVectors != null) textKnn();
    }

    /**
     * text_knn as the evaluation defines it (items by cosine with the mean of the history's title
     * vectors; no history: popularity by context, which holds no new item), tallied for cold_item only:
     * on the query slices it is never the best baseline here, and only new items need it.
     */
    private void textKnn() {
        Vectors units = TextNeighbours.unitVectors(titleVectors, null);
        float[] unit = units.data();
        int dim = units.dim();
        ItemIndex exact = ItemIndexes.exact(units);
        int[][] rankings = new int[queries.size()][];
        java.util.stream.IntStream.range(0, queries.size()).parallel().forEach(k -> {
            Query query = queries.get(k);
            boolean anyCold = false;
            for (int target : query.targets()) anyCold |= data.coldInHoldout(target);
            if (!anyCold) return;
            if (query.history().length == 0) {
                rankings[k] = new int[0];
                return;
            }
            float[] mean = new float[dim];
            for (int h : query.history()) for (int d = 0; d < dim; d++) mean[d] += unit[h * dim + d];
            SearchResult r = exact.search(mean, K);
            rankings[k] = Arrays.copyOf(r.ordinals(), r.size());
        });
        for (int k = 0; k < queries.size(); k++) {
            if (rankings[k] == null) continue;
            Query query = queries.get(k);
            scoreCold(baselinesAll.get(TEXT_KNN), query, rankings[k], rankings[k].length);
            scoreCold(baselinesByKind.get(QueryKind.of(query.history().length)).get(TEXT_KNN), query, rankings[k], rankings[k].length);
        }
    }

    /** Adds a query's cold_item figures (all cold targets, and each {@link ColdKind} apart) for the first {@code got} of a ranking. */
    private void scoreCold(Tally t, Query query, int[] ranking, int got) {
        int[] cold = new int[ColdKind.values().length];
        int[] hits = new int[cold.length];
        for (int target : query.targets()) {
            if (!data.coldInHoldout(target)) continue;
            int kind = (data.heldOutOfSelection(target) ? ColdKind.PSEUDO : ColdKind.NEW).ordinal();
            cold[kind]++;
            for (int i = 0; i < got; i++) {
                if (ranking[i] == target) {
                    hits[kind]++;
                    break;
                }
            }
        }
        int all = Arrays.stream(cold).sum();
        if (all == 0) return;
        t.add(COLD_ITEM, Arrays.stream(hits).sum() / (double) all, 0);
        for (ColdKind kind : ColdKind.values()) {
            if (cold[kind.ordinal()] > 0) t.addCold(kind, hits[kind.ordinal()] / (double) cold[kind.ordinal()]);
        }
    }

    /** One query's figures for a baseline, into the all-queries tally and its kind's. */
    private void scoreBaseline(String name, Map<String, Tally> kindTallies, Query query, int[] ranking, int got) {
        score(baselinesAll.get(name), query, ranking, got);
        score(kindTallies.get(name), query, ranking, got);
    }

    private static int rankInto(float[] scores, int[] all, int[] keys, int[] ranking) {
        for (int i = 0; i < all.length; i++) all[i] = i;
        int top = Math.min(ranking.length, all.length);
        HybridRanker.selectTop(all, all.length, top, scores, keys);
        System.arraycopy(all, 0, ranking, 0, top);
        return top;
    }

    private static double round(double v) {
        return Math.round(v * 1e5) / 1e5;
    }
}
