package ai.mercury.bench;

import ai.mercury.config.MercuryConfig;
import ai.mercury.feature.FeatureEncoder.EncodedUser;
import ai.mercury.model.Recommender;
import ai.mercury.model.RecommendQuery;
import ai.mercury.model.Snapshot;
import ai.mercury.model.SnapshotLoader;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vertx.core.buffer.Buffer;

import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The worker's last stage (search and ranking, on precomputed user vectors) of the load tests'
 * requests ({@code k6/data/requests.json}), the model alone against the bundle's hybrid, per slice of
 * the mix, in one JVM: rounds alternate the two, each round times every request once, and the figures
 * are medians over rounds of the mean µs per request. A quieter view than the load test of what the
 * hybrid adds to a request, and where.
 *
 * <pre>
 *   java --add-modules jdk.incubator.vector -cp "$(cat target/bench-classpath.txt):target/classes:target/test-classes" \
 *     ai.mercury.bench.HybridCostProbe BUNDLE_DIR [k6/data/requests.json] [ROUNDS]
 * </pre>
 */
public final class HybridCostProbe {
    private HybridCostProbe() {}

    public static void main(String[] args) throws Exception {
        Path bundle = Path.of(args[0]);
        Path data = Path.of(args.length > 1 ? args[1] : "k6/data/requests.json");
        int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 40;
        Snapshot snapshot = SnapshotLoader.load(bundle, SnapshotLoader.Options.defaults(), line -> {});
        if (snapshot.hybrid() == null) throw new IllegalArgumentException(bundle + " has no hybrid");
        JsonNode requests = new ObjectMapper().readTree(data.toFile()).get("requests");
        Object parser = ServingInternals.parser(MercuryConfig.defaults());
        Instant now = Instant.parse("2011-12-01T12:00:00Z");
        int n = requests.size();
        RecommendQuery[] queries = new RecommendQuery[n];
        float[][] vectors = new float[n][];
        String[] slice = new String[n];
        for (int i = 0; i < n; i++) {
            JsonNode r = requests.get(i);
            slice[i] = r.get("slice").asText();
            queries[i] = ServingInternals.parse(parser, Buffer.buffer(r.get("body").toString()), now);
            EncodedUser e = snapshot.encoder().encode(queries[i].user(), snapshot.catalog()::ordinalOf);
            vectors[i] = Recommender.userVector(snapshot, e);
        }
        Map<String, List<Double>> model = new LinkedHashMap<>();
        Map<String, List<Double>> hybrid = new LinkedHashMap<>();
        long[] nanos = new long[n];
        long sink = 0;
        for (int round = -10; round < rounds; round++) { // 10 rounds of warm-up
            for (int variant = 0; variant < 2; variant++) {
                boolean h = (variant + round) % 2 == 0; // alternate which goes first
                for (int i = 0; i < n; i++) {
                    long t0 = System.nanoTime();
                    sink += h ? Recommender.rank(snapshot, vectors[i], queries[i]).size()
                            : Recommender.topK(snapshot, vectors[i], queries[i].k(), queries[i].filters()).size();
                    nanos[i] = System.nanoTime() - t0;
                }
                if (round < 0) continue;
                Map<String, double[]> sums = new LinkedHashMap<>();
                for (int i = 0; i < n; i++) {
                    for (String s : new String[] {slice[i], "all"}) {
                        double[] a = sums.computeIfAbsent(s, x -> new double[2]);
                        a[0] += nanos[i] / 1e3;
                        a[1]++;
                    }
                }
                Map<String, List<Double>> into = h ? hybrid : model;
                sums.forEach((s, a) -> into.computeIfAbsent(s, x -> new ArrayList<>()).add(a[0] / a[1]));
            }
        }
        System.out.printf(Locale.ROOT, "%s: %d requests, %d rounds (sink %d)%n", bundle.getFileName(), n, rounds, sink);
        System.out.printf(Locale.ROOT, "%-12s %12s %12s %10s%n", "slice", "model µs", "hybrid µs", "ratio");
        for (String s : model.keySet()) {
            double m = median(model.get(s));
            double h = median(hybrid.get(s));
            System.out.printf(Locale.ROOT, "%-12s %12.1f %12.1f %10.2f%n", s, m, h, h / m);
        }
        snapshot.retire();
    }

    private static double median(List<Double> v) {
        double[] a = v.stream().mapToDouble(Double::doubleValue).toArray();
        Arrays.sort(a);
        return a.length % 2 == 1 ? a[a.length / 2] : (a[a.length / 2 - 1] + a[a.length / 2]) / 2;
    }
}
