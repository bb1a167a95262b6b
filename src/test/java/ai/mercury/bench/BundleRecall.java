package ai.mercury.bench;

import ai.mercury.feature.UserContext;
import ai.mercury.index.ClusteredVectors;
import ai.mercury.index.ItemIndex;
import ai.mercury.index.ItemIndexes;
import ai.mercury.index.SearchResult;
import ai.mercury.index.IndexParams;
import ai.mercury.model.Recommender;
import ai.mercury.model.Snapshot;
import ai.mercury.model.SnapshotLoader;

import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * ANN recall@100 of a bundle's serving index against exact search, on <em>real user vectors</em>
 * (the bundle's own user tower over random countries of its vocabulary, 2011 timestamps and, for
 * half of the queries, a history of 1–10 catalog items), and the mean search time of both:
 * {@code BundleRecall <bundleDir> [queries] [ef,ef,...]}. Loads the bundle as the server does (a
 * prebuilt index.hnsw when it has one). Results in docs/bench/index-search.md#query-guided-links (and,
 * from before the guided links, docs/bench/archive/load-100k-hnswlib-vs-hnswlayers.md).
 */
public final class BundleRecall {
    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        int n = args.length > 1 ? Integer.parseInt(args[1]) : 200;
        long t0 = System.nanoTime();
        // -Dmercury.recall.ef_construction=N for a prebuilt graph built with another efConstruction (e.g. the 1M bundle's 100)
        IndexParams d = IndexParams.DEFAULTS;
        // -Dmercury.recall.m=N and -Dmercury.recall.ef=N likewise for the graph's M and the serving ef
        // -Dmercury.recall.guide=N sample user vectors for the query-guided links (0 = none); -Dmercury.recall.graph_order=false keeps file order
        IndexParams params = new IndexParams(d.kind(), Integer.getInteger("mercury.recall.m", d.m()),
                Integer.getInteger("mercury.recall.ef_construction", d.efConstruction()), Integer.getInteger("mercury.recall.ef", d.ef()), d.exactBelow(),
                Integer.getInteger("mercury.recall.guide", d.guideSamples()),
                Boolean.parseBoolean(System.getProperty("mercury.recall.graph_order", String.valueOf(d.graphOrder()))));
        SnapshotLoader.Options defaults = SnapshotLoader.Options.defaults();
        Snapshot s = SnapshotLoader.load(dir, new SnapshotLoader.Options(params, defaults.intraOpThreads(), defaults.warmupQueries(), null),
                line -> System.out.println("  " + line));
        System.out.printf("loaded %s: %d items, index %s, %d ms%n", s.version(), s.catalog().size(), s.index().kind(), (System.nanoTime() - t0) / 1_000_000);
        List<String> countries = s.encoder().spec().context().get(0).vocabulary();
        SplittableRandom rnd = new SplittableRandom(11);
        String requests = System.getProperty("mercury.recall.requests"); // e.g. k6/data/requests.json: the load tests' bodies
        float[][] queries = requests != null ? fromRequests(s, Path.of(requests), n) : new float[n][];
        if (requests != null) {
            n = queries.length;
            System.out.printf("queries: the first %d bodies of %s (context, timestamp, history; ids the catalog lacks are skipped as the server does)%n", n, requests);
        }
        for (int i = 0; i < n && requests == null; i++) {
            List<String> history = new ArrayList<>();
            if (i % 2 == 1) for (int h = 1 + rnd.nextInt(10); h > 0; h--) history.add(s.catalog().item(rnd.nextInt(s.catalog().size())).itemId());
            UserContext u = new UserContext(Map.of("country", countries.get(rnd.nextInt(countries.size()))),
                    Instant.parse("2011-01-01T00:00:00Z").plusSeconds(rnd.nextLong(365L * 86400)), history, null);
            queries[i] = Recommender.userVector(s, s.encoder().encode(u, s.catalog()::ordinalOf));
        }
        ItemIndex exact = ItemIndexes.exact(s.bundle().itemVectors());
        System.out.printf("recall@100 of the serving index (%s, ef %d) against exact: %.4f over %d user vectors%n",
                s.index().kind(), params.ef(), ClusteredVectors.recall(s.index(), exact, queries, 100), n);
        String[] efs = (args.length > 2 ? args[2] : "").split(",");
        for (String e : efs) {
            if (e.isBlank()) continue;
            int ef = Integer.parseInt(e.trim());
            long hits = 0;
            long t = System.nanoTime();
            for (float[] q : queries) {
                int[] got = s.index().search(q, Math.max(ef, 100)).ordinals(); // a search of max(ef, k) truncated to k = ef
                java.util.Set<Integer> truth = new java.util.HashSet<>();
                for (int o : exact.search(q, 100).ordinals()) truth.add(o);
                for (int i = 0; i < Math.min(100, got.length); i++) if (truth.contains(got[i])) hits++;
            }
            System.out.printf("ef %d: recall@100 %.4f (search + exact truth %.0f us per query)%n", ef, hits / (100.0 * n),
                    (System.nanoTime() - t) / 1e3 / n);
        }
        // Ties: a catalog may hold rows with equal scores (copies); exact search keeps the lowest
        // ordinals among them, an ANN search whichever it reached. Score recall counts a result as a
        // hit when it scores at least the exact k-th score, as ann-benchmarks does with distances.
        long scoreHits = 0, tiedAtCutoff = 0;
        for (float[] q : queries) {
            SearchResult truth = exact.search(q, 100), got = s.index().search(q, 100);
            float cutoff = truth.score(truth.size() - 1);
            for (int i = 0; i < got.size(); i++) if (got.score(i) >= cutoff) scoreHits++;
            for (int i = 0; i < truth.size(); i++) if (truth.score(i) == cutoff) tiedAtCutoff++;
        }
        System.out.printf("score recall@100 (hits scoring >= the exact 100th): %.4f; exact top-100 rows tied with the 100th: %.2f per query%n",
                scoreHits / (100.0 * n), tiedAtCutoff / (double) n);
        for (ItemIndex idx : new ItemIndex[] {s.index(), exact}) {
            long t = System.nanoTime();
            for (int rep = 0; rep < 5; rep++) for (float[] q : queries) idx.search(q, 100);
            System.out.printf("mean top-100 search, %s: %.0f us%n", idx.kind(), (System.nanoTime() - t) / 1e3 / (5.0 * n));
        }
        s.retire();
    }

    /** User vectors of the first {@code n} request bodies in a k6 data file ({@code k6/data/requests.json}). */
    public static float[][] fromRequests(Snapshot s, Path file, int n) throws java.io.IOException {
        com.fasterxml.jackson.databind.JsonNode all = ai.mercury.core.Json.MAPPER.readTree(file.toFile()).get("requests");
        List<float[]> out = new ArrayList<>();
        for (com.fasterxml.jackson.databind.JsonNode r : all) {
            if (out.size() == n) break;
            com.fasterxml.jackson.databind.JsonNode body = r.get("body");
            com.fasterxml.jackson.databind.JsonNode ctx = body.get("context");
            Map<String, String> context = new java.util.HashMap<>();
            ctx.fields().forEachRemaining(e -> {
                if (!e.getKey().equals("timestamp")) context.put(e.getKey(), e.getValue().asText());
            });
            List<String> history = new ArrayList<>();
            if (body.has("history")) body.get("history").forEach(h -> history.add(h.asText()));
            UserContext u = new UserContext(context, Instant.parse(ctx.get("timestamp").asText()), history, null);
            out.add(Recommender.userVector(s, s.encoder().encode(u, s.history())));
        }
        return out.toArray(new float[0][]);
    }
}
