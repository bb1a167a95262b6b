package ai.mercury.bench;

import ai.mercury.bundle.Bundle;
import ai.mercury.bundle.BundleReader;
import ai.mercury.bundle.BundleWriter;
import ai.mercury.core.CatalogItem;
import ai.mercury.core.Json;
import ai.mercury.bundle.Manifest;
import ai.mercury.bundle.TowerSpec;
import ai.mercury.feature.FeatureSpec;
import ai.mercury.index.IndexParams;
import ai.mercury.index.Vectors;
import ai.mercury.server.MercuryServer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Time from drop to serving for a large synthetic bundle, with and without a prebuilt
 * {@code index.hnsw}. The bundle: the default bundle's feature spec and text encoder, towers
 * initialised as {@code mercury bundle bootstrap} does (64-dim, hidden [128], seeds 42/43),
 * {@code items} items whose vectors are real default-bundle rows plus Gaussian noise (σ = 0.03 per
 * component), renormalised, with generated ids and titles (the source item's title plus a number),
 * price and category. Written once with {@link BundleWriter#publish(Path, BundleWriter.Content, IndexParams)}
 * with the default index parameters and once without, outside the server's artifacts directory.
 *
 * <p>The server: default configuration (so {@code index.kind = auto} resolves to HNSW at 100k
 * items with M 16, efConstruction 200, matching the prebuilt graph), serving the default bundle,
 * no request load. Each repetition stages a copy of one variant under a new version in
 * {@code artifacts/.tmp-<version>/} (copy time not counted), renames it into place and polls
 * {@code GET /health/ready} every 5 ms until it reports that version. The interval includes the
 * index manager's settle time ({@code swap.settle_ms}, default 1 s). The two variants alternate.
 */
final class DropToServing {
    static final double NOISE = 0.03;

    private DropToServing() {}

    static ObjectNode run(int items, int reps) throws Exception {
        Path source = SwapBenchmark.defaultBundle();
        Bundle base = BundleReader.read(source);
        Path staging = Files.createTempDirectory("mercury-drop-bench-src-");
        Path artifacts = Files.createTempDirectory("mercury-drop-bench-");
        ObjectNode out = Json.MAPPER.createObjectNode().put("mode", "drop").put("items", items).put("reps", reps)
                .put("loadavg_start", Files.readString(Path.of("/proc/loadavg")).trim());
        try {
            BundleWriter.Content content = content(base, items, "20990101T000001Z");
            long t0 = System.nanoTime();
            Path with = BundleWriter.publish(staging.resolve("with"), content, IndexParams.DEFAULTS);
            out.put("publish_with_index_ms", (System.nanoTime() - t0) / 1_000_000);
            t0 = System.nanoTime();
            Path without = BundleWriter.publish(staging.resolve("without"), content);
            out.put("publish_without_index_ms", (System.nanoTime() - t0) / 1_000_000);
            out.put("index_hnsw_bytes", Files.size(with.resolve(Manifest.HNSW_INDEX)));
            out.put("bundle_bytes_without_index", dirSize(without));

            SwapBenchmark.stage(source, artifacts, source.getFileName().toString());
            SwapBenchmark.drop(artifacts.resolve(".tmp-" + source.getFileName()));
            MercuryServer server = SwapBenchmark.startServer(artifacts);
            HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
            URI ready = URI.create("http://127.0.0.1:" + server.port() + "/health/ready");
            ArrayNode runs = out.putArray("runs");
            List<Long> withMs = new ArrayList<>();
            List<Long> withoutMs = new ArrayList<>();
            try {
                int n = 0;
                for (int r = 0; r < reps; r++) {
                    for (int k = 0; k < 2; k++) {
                        boolean prebuilt = (r + k) % 2 == 0; // alternate which variant goes first
                        String version = String.format("20990101T1%05dZ", ++n);
                        Path staged = SwapBenchmark.stage(prebuilt ? with : without, artifacts, version);
                        System.gc();
                        Thread.sleep(1_500);
                        double swapSumBefore = swapSeconds(http, server.port());
                        long start = System.nanoTime();
                        SwapBenchmark.drop(staged);
                        JsonNode status;
                        while (true) {
                            HttpResponse<String> resp = http.send(HttpRequest.newBuilder(ready).GET().build(), HttpResponse.BodyHandlers.ofString());
                            status = Json.MAPPER.readTree(resp.body());
                            if (version.equals(status.path("model_version").asText())) break;
                            if (System.nanoTime() - start > 600_000_000_000L) throw new IllegalStateException(version + " never served");
                            Thread.sleep(5);
                        }
                        long ms = (System.nanoTime() - start) / 1_000_000;
                        // The histogram is updated just after the snapshot is published: wait for it (bounded).
                        double swapSum = swapSeconds(http, server.port());
                        for (int w = 0; w < 200 && swapSum == swapSumBefore; w++) {
                            Thread.sleep(10);
                            swapSum = swapSeconds(http, server.port());
                        }
                        double swapMs = (swapSum - swapSumBefore) * 1000;
                        (prebuilt ? withMs : withoutMs).add(ms);
                        runs.addObject().put("version", version).put("index_hnsw", prebuilt).put("drop_to_ready_ms", ms)
                                .put("server_validate_load_ms", Math.round(swapMs)).put("index", status.path("index").asText())
                                .put("items", status.path("items").asInt());
                        System.err.println("BENCH " + version + " index.hnsw=" + prebuilt + " drop->ready " + ms + " ms (server "
                                + Math.round(swapMs) + " ms)");
                    }
                }
            } finally {
                server.close();
            }
            long medWith = median(withMs);
            long medWithout = median(withoutMs);
            out.put("median_drop_to_ready_ms_with_index", medWith).put("median_drop_to_ready_ms_without_index", medWithout)
                    .put("ratio_without_over_with", (double) medWithout / medWith);
        } finally {
            ServingFixture.deleteTree(artifacts);
            ServingFixture.deleteTree(staging);
        }
        return out;
    }

    static BundleWriter.Content content(Bundle base, int n, String version) {
        Manifest m = base.manifest();
        FeatureSpec spec = m.featureSpec();
        int dim = m.embeddingDim();
        int textDim = m.textEncoder().dim();
        TowerSpec itemTower = TowerSpec.randomInit(spec.itemInputs(textDim), new int[] {128}, dim, true, Manifest.ITEM_OUTPUT, 42);
        TowerSpec userTower = TowerSpec.randomInit(spec.userInputs(dim, textDim), new int[] {128}, dim, true, Manifest.USER_OUTPUT, 43);
        Random rnd = new Random(20261126L);
        Vectors real = base.itemVectors();
        float[] data = new float[n * dim];
        List<CatalogItem> items = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            int src = rnd.nextInt(real.count());
            double norm = 0;
            for (int j = 0; j < dim; j++) {
                float x = real.data()[src * dim + j] + (float) (NOISE * rnd.nextGaussian());
                data[i * dim + j] = x;
                norm += (double) x * x;
            }
            float inv = (float) (1 / Math.sqrt(norm));
            for (int j = 0; j < dim; j++) data[i * dim + j] *= inv;
            CatalogItem s = base.items().get(src);
            items.add(new CatalogItem(String.format("S%06d", i), s.title() + " " + i, s.price(), s.category()));
        }
        ObjectNode training = Json.MAPPER.createObjectNode().put("kind", "synthetic-benchmark")
                .put("note", "ai.mercury.bench.DropToServing: " + n + " items sampled around " + base.version() + " (sigma " + NOISE + ")");
        return new BundleWriter.Content(version, spec, m.textEncoder(), userTower, itemTower, items, new Vectors(n, dim, data), training, null);
    }

    /** {@code mercury_swap_seconds_sum} over all results, from /metrics. */
    static double swapSeconds(HttpClient http, int port) throws Exception {
        String body = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics")).GET().build(),
                HttpResponse.BodyHandlers.ofString()).body();
        double sum = 0;
        for (String line : body.split("\n")) {
            if (line.startsWith("mercury_swap_seconds_sum")) sum += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
        }
        return sum;
    }

    static long median(List<Long> xs) {
        long[] a = xs.stream().mapToLong(Long::longValue).sorted().toArray();
        return a.length == 0 ? -1 : a.length % 2 == 1 ? a[a.length / 2] : (a[a.length / 2 - 1] + a[a.length / 2]) / 2;
    }

    static long dirSize(Path dir) throws Exception {
        try (var s = Files.list(dir)) {
            return s.mapToLong(p -> p.toFile().length()).sum();
        }
    }
}
