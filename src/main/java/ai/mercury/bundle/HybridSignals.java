package ai.mercury.bundle;

import ai.mercury.core.Json;
import ai.mercury.index.Vectors;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The count signals of the hybrid ranker, by bundle row (the line of {@code items.jsonl}): each
 * item's top co-occurrence neighbours with their counts (the item itself first: the baskets holding
 * it, as repurchases are common) and popularity, overall and per value of one context field (the
 * dataset's {@code popularity_field}). Counted over the fit period's baskets (distinct items per
 * basket). Two optional bundle files, {@value #COOCCURRENCE} and {@value #POPULARITY}, described by
 * the manifest's {@code training.hybrid} section ({@link #describe}); a third, {@value #TEXT_NEIGHBOURS},
 * holds each item's nearest items by title ({@link TextNeighbours}), the source that reaches items
 * without counts. Immutable once built.
 *
 * <p>Popularity of an item in a context is the shrunk count {@code ctx + share · overall}
 * ({@code share} = the value's share of all baskets): a small country's few baskets are backed by the
 * overall counts, a value never seen falls back to the overall counts.
 */
public final class HybridSignals {
    public static final String COOCCURRENCE = "cooccurrence.npy";
    public static final String POPULARITY = "popularity.npy";
    public static final String TEXT_NEIGHBOURS = "text_neighbours.npy";
    /** Every file a bundle's hybrid can have ({@link #files} names those of one instance). */
    public static final List<String> ALL_FILES = List.of(COOCCURRENCE, POPULARITY, TEXT_NEIGHBOURS);
    /** Neighbours kept per item. */
    public static final int DEFAULT_NEIGHBOURS = 50;
    /** Context values with fewer fit baskets than this are not kept (they use the overall counts). */
    public static final int MIN_VALUE_BASKETS = 10;
    /** At most this many context values (the most frequent) are kept. */
    public static final int MAX_VALUES = 256;
    /** Popularity candidates precomputed per context value. */
    public static final int POPULAR_LIST = 100;

    private final int rows;
    private final int neighbours;
    private final int[] neighbourRows;    // rows × neighbours, -1 pads
    private final float[] neighbourCounts;
    private final float[] overall;
    private final String field;
    private final List<String> values;
    private final Map<String, Integer> valueIndex = new HashMap<>();
    private final float[][] byValue;      // values × rows
    private final float[] valueShare;
    private final int[][] popular;        // per value, then overall last: rows by shrunk popularity, best first
    private final TextNeighbours text;

    private HybridSignals(int rows, int neighbours, int[] neighbourRows, float[] neighbourCounts, float[] overall, String field,
                          List<String> values, float[][] byValue, float[] valueShare) {
        this.rows = rows;
        this.neighbours = neighbours;
        this.neighbourRows = neighbourRows;
        this.neighbourCounts = neighbourCounts;
        this.overall = overall;
        this.field = field;
        this.values = List.copyOf(values);
        for (int v = 0; v < values.size(); v++) valueIndex.put(values.get(v), v);
        this.byValue = byValue;
        this.valueShare = valueShare;
        this.text = TextNeighbours.NONE;
        this.popular = new int[values.size() + 1][];
        float[] scratch = new float[rows];
        for (int v = 0; v <= values.size(); v++) {
            for (int r = 0; r < rows; r++) scratch[r] = popularity(r, v == values.size() ? -1 : v);
            popular[v] = topRows(scratch, Math.min(POPULAR_LIST, rows));
        }
    }

    private HybridSignals(HybridSignals base, TextNeighbours text) {
        this.rows = base.rows;
        this.neighbours = base.neighbours;
        this.neighbourRows = base.neighbourRows;
        this.neighbourCounts = base.neighbourCounts;
        this.overall = base.overall;
        this.field = base.field;
        this.values = base.values;
        this.valueIndex.putAll(base.valueIndex);
        this.byValue = base.byValue;
        this.valueShare = base.valueShare;
        this.popular = base.popular;
        this.text = text;
    }

    /** These counts with {@code text} as the title neighbours (rows in the same order). */
    public HybridSignals withText(TextNeighbours text) {
        if (text.perItem() > 0 && text.rows().length != rows * text.perItem()) {
            throw new IllegalArgumentException("text neighbours for " + text.rows().length / text.perItem() + " rows, the signals have " + rows);
        }
        return new HybridSignals(this, text);
    }

    /**
     * Counts over baskets.
     *
     * @param rows       catalog size (rows of the bundle)
     * @param baskets    each basket's item rows (duplicates ignored)
     * @param basketValue each basket's value of {@code field} (null: none), parallel to {@code baskets}
     * @param field      the context field popularity is grouped by; null: overall only
     */
    public static HybridSignals count(int rows, List<int[]> baskets, List<String> basketValue, String field, int neighbours) {
        float[] overall = new float[rows];
        List<List<Integer>> containing = new ArrayList<>(rows);
        for (int i = 0; i < rows; i++) containing.add(new ArrayList<>());
        Map<String, Integer> valueBaskets = new HashMap<>();
        List<int[]> distinct = new ArrayList<>(baskets.size());
        for (int b = 0; b < baskets.size(); b++) {
            int[] items = Arrays.stream(baskets.get(b)).distinct().toArray();
            distinct.add(items);
            for (int i : items) {
                overall[i]++;
                containing.get(i).add(b);
            }
            String v = field == null ? null : basketValue.get(b);
            if (v != null && !v.isBlank()) valueBaskets.merge(v.trim(), 1, Integer::sum);
        }
        List<String> values = valueBaskets.entrySet().stream().filter(e -> e.getValue() >= MIN_VALUE_BASKETS)
                .sorted(Map.Entry.<String, Integer>comparingByValue().reversed().thenComparing(Map.Entry.comparingByKey()))
                .limit(MAX_VALUES).map(Map.Entry::getKey).toList();
        Map<String, Integer> index = new HashMap<>();
        for (int v = 0; v < values.size(); v++) index.put(values.get(v), v);
        float[][] byValue = new float[values.size()][rows];
        float[] share = new float[values.size()];
        for (int b = 0; b < distinct.size(); b++) {
            String v = field == null ? null : basketValue.get(b);
            Integer vi = v == null ? null : index.get(v.trim());
            if (vi == null) continue;
            share[vi]++;
            for (int i : distinct.get(b)) byValue[vi][i]++;
        }
        for (int v = 0; v < share.length; v++) share[v] /= Math.max(1, distinct.size());
        int[] nRows = new int[rows * neighbours];
        float[] nCounts = new float[rows * neighbours];
        Arrays.fill(nRows, -1);
        float[] counts = new float[rows];
        int[] touched = new int[rows];
        for (int h = 0; h < rows; h++) {
            int t = 0;
            for (int b : containing.get(h)) {
                for (int i : distinct.get(b)) if (counts[i]++ == 0) touched[t++] = i;
            }
            // Best counts first, ties by row: deterministic.
            Integer[] order = new Integer[t];
            for (int j = 0; j < t; j++) order[j] = touched[j];
            Arrays.sort(order, (a, c) -> counts[a] != counts[c] ? Float.compare(counts[c], counts[a]) : Integer.compare(a, c));
            for (int j = 0; j < Math.min(t, neighbours); j++) {
                nRows[h * neighbours + j] = order[j];
                nCounts[h * neighbours + j] = counts[order[j]];
            }
            for (int j = 0; j < t; j++) counts[touched[j]] = 0;
        }
        return new HybridSignals(rows, neighbours, nRows, nCounts, overall, field, values, byValue, share);
    }

    /** The bundle files {@link #write} writes. */
    public List<String> files() {
        return text.perItem() > 0 ? List.of(COOCCURRENCE, POPULARITY, TEXT_NEIGHBOURS) : List.of(COOCCURRENCE, POPULARITY);
    }

    /** Writes {@link #files} into {@code dir}. */
    public void write(Path dir) throws IOException {
        float[] co = new float[rows * neighbours * 2];
        for (int i = 0; i < rows * neighbours; i++) {
            co[2 * i] = neighbourRows[i];
            co[2 * i + 1] = neighbourCounts[i];
        }
        Npy.write(dir.resolve(COOCCURRENCE), new Vectors(rows, neighbours * 2, co));
        float[] pop = new float[(values.size() + 1) * rows];
        System.arraycopy(overall, 0, pop, 0, rows);
        for (int v = 0; v < values.size(); v++) System.arraycopy(byValue[v], 0, pop, (v + 1) * rows, rows);
        Npy.write(dir.resolve(POPULARITY), new Vectors(values.size() + 1, rows, pop));
        if (text.perItem() > 0) {
            int t = text.perItem();
            float[] tx = new float[rows * t * 2];
            for (int i = 0; i < rows * t; i++) {
                tx[2 * i] = text.rows()[i];
                tx[2 * i + 1] = text.similarities()[i];
            }
            Npy.write(dir.resolve(TEXT_NEIGHBOURS), new Vectors(rows, t * 2, tx));
        }
    }

    /** The manifest's description of the files ({@code training.hybrid.signals}). */
    public ObjectNode describe() {
        ObjectNode o = Json.MAPPER.createObjectNode();
        o.put("cooccurrence_file", COOCCURRENCE);
        o.put("popularity_file", POPULARITY);
        o.put("neighbours_per_item", neighbours);
        o.put("popularity_field", field);
        var vs = o.putArray("popularity_values");
        values.forEach(vs::add);
        var sh = o.putArray("popularity_value_share");
        for (float s : valueShare) sh.add(s);
        if (text.perItem() > 0) {
            o.put("text_neighbours_file", TEXT_NEIGHBOURS);
            o.put("text_neighbours_per_item", text.perItem());
        }
        return o;
    }

    /** Reads the files of a bundle described by {@code description} ({@link #describe}). */
    public static HybridSignals read(Path dir, JsonNode description, int rows) throws IOException {
        Vectors co = Npy.read(dir.resolve(COOCCURRENCE));
        Vectors pop = Npy.read(dir.resolve(POPULARITY));
        int neighbours = description.path("neighbours_per_item").asInt(-1);
        if (co.count() != rows || co.dim() != 2 * neighbours) {
            throw new IOException(COOCCURRENCE + " has shape [" + co.count() + ", " + co.dim() + "], expected [" + rows + ", " + 2 * neighbours + "]");
        }
        List<String> values = new ArrayList<>();
        description.path("popularity_values").forEach(v -> values.add(v.asText()));
        float[] share = new float[values.size()];
        for (int v = 0; v < share.length; v++) share[v] = (float) description.path("popularity_value_share").path(v).asDouble(0);
        if (pop.count() != values.size() + 1 || pop.dim() != rows) {
            throw new IOException(POPULARITY + " has shape [" + pop.count() + ", " + pop.dim() + "], expected [" + (values.size() + 1) + ", " + rows + "]");
        }
        int[] nRows = new int[rows * neighbours];
        float[] nCounts = new float[rows * neighbours];
        for (int i = 0; i < rows * neighbours; i++) {
            int r = (int) co.data()[2 * i];
            if (r < -1 || r >= rows) throw new IOException(COOCCURRENCE + ": neighbour row " + r + " out of range");
            nRows[i] = r;
            nCounts[i] = co.data()[2 * i + 1];
        }
        float[] overall = Arrays.copyOfRange(pop.data(), 0, rows);
        float[][] byValue = new float[values.size()][];
        for (int v = 0; v < values.size(); v++) byValue[v] = Arrays.copyOfRange(pop.data(), (v + 1) * rows, (v + 2) * rows);
        String field = description.path("popularity_field").isTextual() ? description.get("popularity_field").asText() : null;
        HybridSignals signals = new HybridSignals(rows, neighbours, nRows, nCounts, overall, field, values, byValue, share);
        return description.has("text_neighbours_file") ? signals.withText(readText(dir, description, rows)) : signals;
    }

    private static TextNeighbours readText(Path dir, JsonNode description, int rows) throws IOException {
        if (!TEXT_NEIGHBOURS.equals(description.path("text_neighbours_file").asText())) {
            throw new IOException("text_neighbours_file must be " + TEXT_NEIGHBOURS + ", got " + description.get("text_neighbours_file"));
        }
        int t = description.path("text_neighbours_per_item").asInt(-1);
        if (t < 1) throw new IOException("text_neighbours_per_item must be a positive integer, got " + description.get("text_neighbours_per_item"));
        Vectors tx = Npy.read(dir.resolve(TEXT_NEIGHBOURS));
        if (tx.count() != rows || tx.dim() != 2 * t) {
            throw new IOException(TEXT_NEIGHBOURS + " has shape [" + tx.count() + ", " + tx.dim() + "], expected [" + rows + ", " + 2 * t + "]");
        }
        int[] tRows = new int[rows * t];
        float[] tSims = new float[rows * t];
        for (int i = 0; i < rows * t; i++) {
            float r = tx.data()[2 * i];
            float sim = tx.data()[2 * i + 1];
            if (!(r >= -1 && r < rows) || r != Math.rint(r)) throw new IOException(TEXT_NEIGHBOURS + ": neighbour row " + r + " out of range");
            if (!(sim >= -1 && sim <= 1)) throw new IOException(TEXT_NEIGHBOURS + ": similarity " + sim + " is not a cosine");
            tRows[i] = (int) r;
            tSims[i] = sim;
        }
        return new TextNeighbours(t, tRows, tSims);
    }

    public int rows() {
        return rows;
    }

    public int neighbours() {
        return neighbours;
    }

    /** The context field popularity is grouped by (null: none). */
    public String field() {
        return field;
    }

    /** The value's index, -1 for an unknown value (overall popularity). */
    public int valueIndex(String value) {
        if (value == null) return -1;
        Integer v = valueIndex.get(value.trim());
        return v == null ? -1 : v;
    }

    /** Neighbour {@code j} of {@code row} ({@code -1} past the end of its list). */
    public int neighbour(int row, int j) {
        return neighbourRows[row * neighbours + j];
    }

    public float neighbourCount(int row, int j) {
        return neighbourCounts[row * neighbours + j];
    }

    /** Title neighbours per item (0: the bundle has none). */
    public int textNeighbours() {
        return text.perItem();
    }

    /** Title neighbour {@code j} of {@code row} ({@code -1} past the end of its list). */
    public int textNeighbour(int row, int j) {
        return text.neighbour(row, j);
    }

    /** Title cosine of {@code row} and its neighbour {@code j}. */
    public float textSimilarity(int row, int j) {
        return text.similarity(row, j);
    }

    /** Fit baskets holding the item: 0 means no data yet (unknown), not unpopular. */
    public float count(int row) {
        return overall[row];
    }

    /** Fit baskets of context value {@code v} holding the item (0 for v = -1). */
    public float valueCount(int row, int v) {
        return v < 0 ? 0 : byValue[v][row];
    }

    /** Shrunk popularity in context value {@code v} (-1: overall). */
    public float popularity(int row, int v) {
        return v < 0 ? overall[row] : byValue[v][row] + valueShare[v] * overall[row];
    }

    /** Rows by {@link #popularity} in value {@code v} (-1: overall), best first, at most {@value #POPULAR_LIST}. */
    public int[] popular(int v) {
        return popular[v < 0 ? values.size() : v];
    }

    /** The {@code k} rows with the highest {@code scores} (ties: lower row), best first. */
    static int[] topRows(float[] scores, int k) {
        Integer[] order = new Integer[scores.length];
        for (int i = 0; i < order.length; i++) order[i] = i;
        Arrays.sort(order, (a, b) -> scores[a] != scores[b] ? Float.compare(scores[b], scores[a]) : Integer.compare(a, b));
        int[] out = new int[k];
        for (int i = 0; i < k; i++) out[i] = order[i];
        return out;
    }
}
