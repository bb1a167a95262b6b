package ai.mercury.bench;

import ai.mercury.bundle.BootstrapBundle;
import ai.mercury.bundle.BundleWriter;
import ai.mercury.core.CatalogItem;
import ai.mercury.feature.HashingTextEncoder;
import ai.mercury.feature.UserContext;
import ai.mercury.model.Filters;
import ai.mercury.model.RecommendQuery;
import ai.mercury.train.OnlineRetailCatalog;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;

/**
 * The bundle and the requests the serving benchmarks run on. {@link #build} writes an untrained
 * bundle with the parameters of {@code mercury bundle bootstrap} (64-dim, hidden [128], hashing
 * text encoder 384-dim, history cap 50, context fields country and device) into a fresh temporary
 * artifacts directory, over either a seeded synthetic catalog of {@code n} items or, when asked
 * for and present, the real Online Retail catalog. {@link #requests} draws seeded, realistic
 * {@code /recommend} requests: a country from the vocabulary, a device, a 2011 timestamp, and for
 * half of them a 3–10 item history.
 */
public final class ServingFixture {
    public static final long SEED = 20261126L;
    public static final int K = 100;
    public static final Path ONLINE_RETAIL = Path.of("..", "shared", "data", "online-retail", "online_retail.csv.gz");

    /** The 37 countries of the Online Retail data set, as the default bundle's vocabulary holds them. */
    public static final List<String> COUNTRIES = List.of("United Kingdom", "Germany", "France", "EIRE", "Spain",
            "Netherlands", "Belgium", "Switzerland", "Portugal", "Australia", "Norway", "Italy", "Channel Islands",
            "Finland", "Cyprus", "Sweden", "Austria", "Denmark", "Japan", "Poland", "USA", "Israel", "Unspecified",
            "Singapore", "Iceland", "Canada", "Greece", "Malta", "United Arab Emirates", "European Community", "RSA",
            "Lebanon", "Lithuania", "Brazil", "Czech Republic", "Bahrain", "Saudi Arabia");
    public static final List<String> DEVICES = List.of("desktop", "mobile", "tablet");

    private static final String[] WORDS = {"red", "white", "blue", "pink", "vintage", "retrospot", "heart",
            "hanging", "holder", "t-light", "lantern", "bag", "jumbo", "lunch", "cake", "tin", "set", "of", "3", "6",
            "12", "paper", "party", "bunting", "mug", "glass", "card", "christmas", "wooden", "metal", "sign", "box",
            "candle", "garden", "kitchen", "tea", "towel", "cushion", "cover", "doormat", "clock", "alarm", "bakelike",
            "regency", "cakestand", "tier", "polkadot", "skull", "paisley", "star", "bird", "ornament", "frame",
            "photo", "ceramic", "spotty", "charlotte", "doily", "napkins", "wrap", "gift", "tape", "ribbon", "small",
            "large", "mini", "jar", "bottle", "hot", "water", "feltcraft", "doll", "fairy", "cream", "french", "chalk"};
    private static final Instant YEAR_START = Instant.parse("2011-01-01T00:00:00Z");
    private static final long YEAR_SECONDS = 365L * 24 * 3600;

    private ServingFixture() {}

    /** A published bundle under a temporary artifacts directory the caller deletes with {@link #deleteTree}. */
    public record Built(Path artifactsDir, Path bundleDir, List<CatalogItem> items, List<String> countries) {}

    /**
     * @param catalog {@code synthetic} (seeded, {@code n} items), {@code online-retail} (the real
     *                catalog, ≈3.7k items; {@code n} is ignored), or {@code bundle:DIR}: a copy of the
     *                bundle in DIR as it is (e.g. the trained default bundle, 128-dim), with the
     *                countries of its vocabulary
     */
    public static Built build(String catalog, int n) {
        if (catalog.startsWith("bundle:")) return copy(Path.of(catalog.substring("bundle:".length())));
        List<CatalogItem> items;
        List<String> countries;
        switch (catalog) {
            case "synthetic" -> {
                items = syntheticItems(n, SEED);
                countries = COUNTRIES;
            }
            case "online-retail" -> {
                if (!Files.isRegularFile(ONLINE_RETAIL)) {
                    throw new IllegalStateException("catalog=online-retail needs " + ONLINE_RETAIL.toAbsolutePath()
                            + "; use catalog=synthetic without it");
                }
                try {
                    OnlineRetailCatalog.Result r = OnlineRetailCatalog.read(ONLINE_RETAIL);
                    items = r.items();
                    countries = r.countries();
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
            default -> throw new IllegalArgumentException("catalog must be synthetic or online-retail, got " + catalog);
        }
        Map<String, List<String>> vocab = new LinkedHashMap<>();
        vocab.put("country", countries);
        vocab.put("device", DEVICES);
        try {
            Path artifacts = Files.createTempDirectory("mercury-bench-");
            BundleWriter.Content content = BootstrapBundle.build(
                    new BootstrapBundle.Params("20260101T000000Z", 64, new int[] {128}, new int[] {128}, 50, 42L),
                    items, vocab, new HashingTextEncoder(384), null);
            Path dir = BundleWriter.publish(artifacts, content);
            return new Built(artifacts, dir, items, countries);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Built copy(Path source) {
        try {
            ai.mercury.bundle.Bundle bundle = ai.mercury.bundle.BundleReader.read(source);
            Path artifacts = Files.createTempDirectory("mercury-bench-");
            Path dir = artifacts.resolve(bundle.version());
            Files.createDirectories(dir);
            try (Stream<Path> files = Files.list(source)) {
                for (Path f : files.toList()) Files.copy(f, dir.resolve(f.getFileName()));
            }
            List<String> countries = bundle.manifest().featureSpec().context().stream()
                    .filter(f -> f.name().equals("country")).findFirst().map(f -> f.vocabulary()).orElse(COUNTRIES);
            return new Built(artifacts, dir, bundle.items(), countries);
        } catch (IOException | ai.mercury.bundle.BundleException e) {
            throw new IllegalStateException("cannot copy bundle " + source + ": " + e.getMessage(), e);
        }
    }

    /** {@code n} items with Online-Retail-like ids, 3–6 word titles and prices, no category. */
    public static List<CatalogItem> syntheticItems(int n, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        List<CatalogItem> items = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            int words = 3 + rnd.nextInt(4);
            StringBuilder title = new StringBuilder();
            for (int w = 0; w < words; w++) {
                if (w > 0) title.append(' ');
                title.append(WORDS[rnd.nextInt(WORDS.length)]);
            }
            double price = Math.round(Math.exp(rnd.nextDouble(-1.0, 3.5)) * 100) / 100.0;
            items.add(new CatalogItem(String.format("%05d", 10000 + i), title.toString().toUpperCase(), Math.max(0.01, price), null));
        }
        return items;
    }

    /** One request's user part; {@link #json} and {@link #query} give the HTTP body and the in-process query. */
    public record Request(Map<String, String> context, Instant timestamp, List<String> history) {
        public JsonObject json(int k) {
            JsonObject ctx = new JsonObject();
            context.forEach(ctx::put);
            ctx.put("timestamp", timestamp.toString());
            JsonObject body = new JsonObject().put("context", ctx).put("k", k);
            if (!history.isEmpty()) body.put("history", new JsonArray(new ArrayList<>(history)));
            return body;
        }

        public RecommendQuery query(int k) {
            return new RecommendQuery(user(), k, Filters.NONE);
        }

        public UserContext user() {
            return new UserContext(context, timestamp, history, null);
        }
    }

    /**
     * {@code count} requests: even ones without history, odd ones with {@code minHistory..maxHistory}
     * distinct catalog items (pass 0, 0 for context only everywhere).
     */
    public static List<Request> requests(Built b, int count, int minHistory, int maxHistory, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        List<Request> out = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            Map<String, String> ctx = Map.of("country", b.countries().get(rnd.nextInt(b.countries().size())),
                    "device", DEVICES.get(rnd.nextInt(DEVICES.size())));
            Instant ts = YEAR_START.plusSeconds(rnd.nextLong(YEAR_SECONDS));
            List<String> history = List.of();
            if (i % 2 == 1 && maxHistory > 0) {
                int len = minHistory + rnd.nextInt(maxHistory - minHistory + 1);
                List<String> h = new ArrayList<>(len);
                while (h.size() < len) {
                    String id = b.items().get(rnd.nextInt(b.items().size())).itemId();
                    if (!h.contains(id)) h.add(id);
                }
                history = List.copyOf(h);
            }
            out.add(new Request(ctx, ts, history));
        }
        return out;
    }

    public static void deleteTree(Path root) {
        if (root == null || !Files.exists(root)) return;
        try (Stream<Path> files = Files.walk(root)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        } catch (IOException e) {
            System.err.println("could not delete " + root + ": " + e);
        }
    }
}
