package ai.mercury.bundle;

import ai.mercury.core.CatalogItem;
import ai.mercury.core.Json;

import ai.mercury.index.IndexParams;
import ai.mercury.index.Vectors;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Makes a large synthetic catalog from a real bundle, for load tests at catalog sizes we do not
 * have: the same towers and feature spec, and {@code items} generated items. Item {@code i} is a
 * copy of a uniformly drawn real item {@code j} of the source:
 * <ul>
 *   <li>vector: {@code x_j} plus Gaussian noise whose norm is about {@code noise × |x_j|}
 *       (each component {@code N(0, (noise·|x_j|)² / dim)}), then rescaled to {@code |x_j|}, so the
 *       norms follow the source's distribution exactly and the directions scatter around real
 *       ones (cosine to {@code x_j} ≈ {@code 1/sqrt(1 + noise²)}): clustered like a real catalog, not
 *       uniform on the sphere, which is the worst case of every ANN index and no catalog's shape;</li>
 *   <li>id {@code syn-0000042}, title {@code <j's title> #42}, price {@code j}'s times a log-normal
 *       factor (σ 0.25) in cents, category {@code j}'s or else {@code cat-NN} by {@code j} (50 of
 *       them, so that category filters have something to select), 95 % in stock.</li>
 * </ul>
 * Seeded: the same source, parameters and seed give the same bundle (apart from
 * {@code created_at}). Streams the catalog to disk (memory: the source plus, with an HNSW index,
 * the new vector matrix).
 */
public final class SyntheticCatalog {
    public static final double DEFAULT_NOISE = 0.5;
    public static final long DEFAULT_SEED = 42;
    static final int CATEGORIES = 50;

    private SyntheticCatalog() {}

    /**
     * @param items     catalog size
     * @param seed      random seed
     * @param noise     noise norm relative to the base vector's norm (0 = exact copies)
     * @param hnswIndex build parameters of a prebuilt {@code index.hnsw}, or null for none
     */
    public record Params(int items, long seed, double noise, IndexParams hnswIndex) {
        public Params {
            if (items < 1) throw new IllegalArgumentException("items must be at least 1, got " + items);
            if (!(noise >= 0 && noise <= 100)) throw new IllegalArgumentException("noise must be between 0 and 100, got " + noise);
        }
    }

    /** Writes the synthetic bundle {@code version} under {@code artifactsDir}; returns its directory. */
    public static Path publish(Path source, Path artifactsDir, String version, Params p) throws IOException, BundleException {
        Bundle bundle = BundleReader.read(source);
        List<CatalogItem> base = bundle.items();
        Vectors v = bundle.itemVectors();
        int dim = v.dim();
        float[] data = v.data();
        double[] norms = new double[v.count()];
        for (int j = 0; j < norms.length; j++) {
            double s = 0;
            for (int d = 0; d < dim; d++) s += (double) data[j * dim + d] * data[j * dim + d];
            norms[j] = Math.sqrt(s);
        }
        SplittableRandom rnd = new SplittableRandom(p.seed());
        int width = Math.max(7, String.valueOf(p.items() - 1).length());
        String idFormat = "syn-%0" + width + "d";
        double perComponent = p.noise() / Math.sqrt(dim);
        BundleWriter.RowSource rows = (i, out) -> {
            int j = rnd.nextInt(base.size());
            double norm = norms[j];
            double s = 0;
            for (int d = 0; d < dim; d++) {
                double x = data[j * dim + d] + gaussian(rnd) * perComponent * norm;
                out[d] = (float) x;
                s += x * x;
            }
            double scale = s > 0 ? norm / Math.sqrt(s) : 0;
            for (int d = 0; d < dim; d++) out[d] = (float) (out[d] * scale);
            CatalogItem b = base.get(j);
            double price = b.price() == 0 ? 0 : Math.max(0.01, Math.round(b.price() * Math.exp(0.25 * gaussian(rnd)) * 100) / 100.0);
            String category = b.category() != null ? b.category() : String.format(Locale.ROOT, "cat-%02d", j % CATEGORIES);
            return new CatalogItem(String.format(Locale.ROOT, idFormat, i), b.title() + " #" + i, price, category,
                    rnd.nextDouble() < 0.95, null);
        };
        ObjectNode provenance = Json.MAPPER.createObjectNode();
        provenance.putObject("synthetic").put("items", p.items()).put("seed", p.seed()).put("noise", p.noise())
                .put("method", "a uniformly drawn source item's vector + Gaussian noise (norm ratio 'noise'), rescaled to that item's norm");
        String change = String.format(Locale.ROOT, "synthetic catalog of %d items around the source's %d (noise %s, seed %d)",
                p.items(), base.size(), p.noise(), p.seed());
        return BundleWriter.publishDerived(source, artifactsDir, version, p.items(), rows, p.hnswIndex(), change, provenance);
    }

    /** A standard normal draw (Box–Muller; SplittableRandom has no nextGaussian on Java 17). */
    private static double gaussian(SplittableRandom rnd) {
        double u;
        do {
            u = rnd.nextDouble();
        } while (u == 0);
        return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rnd.nextDouble());
    }
}
