package ai.mercury.model;

import ai.mercury.bundle.BundleException;
import ai.mercury.bundle.Manifest;
import ai.mercury.core.CatalogItem;
import ai.mercury.feature.FeatureEncoder;
import ai.mercury.feature.FeatureSpec;
import ai.mercury.feature.FeatureSpec.ContextField;
import ai.mercury.feature.TextEncoder;
import ai.mercury.feature.UserContext;

import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The validation step that proves a bundle's towers give finite numbers over the inputs a request
 * can reach, so that a tower which overflows for one country (or one category, or one hour) is
 * rejected with {@code non_finite_output} instead of answering {@code -Infinity} in production.
 *
 * <p>The user tower runs over every vocabulary value of every context field (and the
 * out-of-vocabulary slot), each at a spread of times (every hour of a day, every weekday, every
 * month), and over a history of each item (every item up to {@value #MAX_HISTORY_ROWS}, an even
 * spread beyond). The item tower runs over every catalog item's price and category (with a zero
 * title embedding: titles need the text encoder, and the item vectors the trainer computed from
 * the real titles are checked finite row by row when the bundle is read), every category, a spread
 * of prices, and each signed axis of the title embedding. Batched: about a second for a large
 * catalog. Blocking; runs on the loader's thread.
 */
final class OutputCheck {
    private static final int BATCH = 1024;
    static final int MAX_HISTORY_ROWS = 20_000;
    private static final int YEAR = 2024;

    private OutputCheck() {}

    /** One input to check and how to name it when its output is not finite. */
    private record Probe<T>(String what, T input) {}

    /** Runs both checks; returns a line for the load log. */
    static String run(Snapshot s) throws BundleException {
        int users = checkUserTower(s);
        int items = checkItemTower(s);
        return "output check: both towers give finite values over " + users + " user inputs (every context value × hours, weekdays, months;"
                + " history items) and " + items + " item inputs (every item's price and category, every category, prices, title axes)";
    }

    /** The request times the check uses: every hour of a Monday, noon of every weekday, noon of the 15th of every month. */
    static List<Instant> times() {
        List<Instant> times = new ArrayList<>();
        LocalDateTime monday = LocalDateTime.of(YEAR, 1, 1, 0, 0); // 2024-01-01 is a Monday
        for (int h = 0; h < 24; h++) times.add(monday.plusHours(h).toInstant(ZoneOffset.UTC));
        for (int d = 1; d < 7; d++) times.add(monday.plusDays(d).withHour(12).toInstant(ZoneOffset.UTC));
        for (int m = 1; m <= 12; m++) times.add(LocalDateTime.of(YEAR, m, 15, 12, 0).toInstant(ZoneOffset.UTC));
        return times;
    }

    private static int checkUserTower(Snapshot s) throws BundleException {
        FeatureSpec spec = s.encoder().spec();
        List<Instant> times = times();
        List<Probe<UserContext>> probes = new ArrayList<>();
        for (ContextField field : spec.context()) {
            List<String> values = new ArrayList<>();
            values.add(null); // absent: the out-of-vocabulary slot
            values.addAll(field.vocabulary());
            for (String value : values) {
                Map<String, String> context = value == null ? Map.of() : Map.of(field.name(), value);
                for (Instant t : times) {
                    probes.add(new Probe<>(field.name() + "=" + (value == null ? "(absent)" : value) + " at " + t,
                            new UserContext(context, t, List.of(), null)));
                }
            }
        }
        if (spec.context().isEmpty()) {
            for (Instant t : times) probes.add(new Probe<>("no context at " + t, new UserContext(Map.of(), t, List.of(), null)));
        }
        Catalog catalog = s.catalog();
        int limit = catalog.ordinalLimit();
        int step = Math.max(1, (limit + MAX_HISTORY_ROWS - 1) / MAX_HISTORY_ROWS);
        Instant noon = times.get(12);
        for (int o = 0; o < limit; o += step) {
            CatalogItem item = catalog.item(o);
            if (item != null) probes.add(new Probe<>("history [" + item.itemId() + "]", new UserContext(Map.of(), noon, List.of(item.itemId()), null)));
        }
        for (int from = 0; from < probes.size(); from += BATCH) {
            List<Probe<UserContext>> chunk = probes.subList(from, Math.min(probes.size(), from + BATCH));
            List<Map<String, float[]>> rows = new ArrayList<>(chunk.size());
            for (Probe<UserContext> p : chunk) rows.add(s.encoder().encode(p.input(), s.history()).inputs());
            float[][] out = s.userTower().embed(FeatureEncoder.batch(rows));
            for (int i = 0; i < out.length; i++) requireFinite(s, Manifest.USER_TOWER, out[i], chunk.get(i).what());
        }
        return probes.size();
    }

    private static int checkItemTower(Snapshot s) throws BundleException {
        FeatureSpec spec = s.encoder().spec();
        int textDim = s.manifest().textEncoder().dim();
        Catalog catalog = s.catalog();
        List<Probe<CatalogItem>> probes = new ArrayList<>();
        List<float[]> texts = new ArrayList<>();
        float[] zeroText = new float[textDim];
        for (int o = 0; o < catalog.ordinalLimit(); o++) {
            CatalogItem item = catalog.item(o);
            if (item == null) continue;
            probes.add(new Probe<>("item " + item.itemId() + " (price " + item.price() + ", category " + item.category() + ", zero title)", item));
            texts.add(zeroText);
        }
        double typicalPrice = Math.max(0, Math.expm1(spec.item().price().mean()));
        List<String> categories = new ArrayList<>();
        categories.add(null);
        if (spec.item().category() != null) categories.addAll(spec.item().category().vocabulary());
        for (String c : categories) {
            probes.add(new Probe<>("category " + (c == null ? "(none)" : c), new CatalogItem("check", "", typicalPrice, c)));
            texts.add(zeroText);
        }
        for (double price : new double[] {0, 0.01, 1, typicalPrice, 100, 10_000, 1e6, 1e9}) {
            probes.add(new Probe<>("price " + price, new CatalogItem("check", "", price, null)));
            texts.add(zeroText);
        }
        for (int d = 0; d < textDim; d++) {
            for (float sign : new float[] {1f, -1f}) {
                float[] axis = new float[textDim];
                axis[d] = sign;
                probes.add(new Probe<>("title embedding axis " + (sign > 0 ? "+" : "-") + d, new CatalogItem("check", "", typicalPrice, null)));
                texts.add(axis);
            }
        }
        for (int from = 0; from < probes.size(); from += BATCH) {
            int to = Math.min(probes.size(), from + BATCH);
            List<Probe<CatalogItem>> chunk = probes.subList(from, to);
            Map<String, float[][]> inputs = new LinkedHashMap<>(FeatureEncoder.itemInputs(spec, new FixedText(textDim), chunk.size(),
                    i -> Integer.toString(i), i -> chunk.get(i).input().price(), i -> chunk.get(i).input().category()));
            inputs.put(FeatureSpec.INPUT_TEXT, texts.subList(from, to).toArray(new float[0][]));
            float[][] out = s.itemTower().embed(inputs);
            for (int i = 0; i < out.length; i++) requireFinite(s, Manifest.ITEM_TOWER, out[i], chunk.get(i).what());
        }
        return probes.size();
    }

    private static void requireFinite(Snapshot s, String tower, float[] v, String what) throws BundleException {
        for (float x : v) {
            if (!Float.isFinite(x)) {
                throw new BundleException("non_finite_output", s.bundle().dir(), tower + " returned a non-finite value (" + x + ") for " + what);
            }
        }
    }

    /** A placeholder encoder: the check puts its own title rows in after encoding prices and categories. */
    private record FixedText(int dim) implements TextEncoder {
        @Override
        public String name() {
            return "check";
        }

        @Override
        public float[] embed(String text) {
            return new float[dim];
        }
    }
}
