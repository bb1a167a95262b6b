package ai.mercury.model;

import ai.mercury.bundle.Bundle;
import ai.mercury.bundle.BundleException;
import ai.mercury.bundle.BundleReader;
import ai.mercury.core.CatalogItem;
import ai.mercury.bundle.Manifest;
import ai.mercury.core.TowerInput;
import ai.mercury.feature.FeatureEncoder;
import ai.mercury.feature.FeatureEncoder.EncodedUser;
import ai.mercury.feature.FeatureSpec;
import ai.mercury.feature.TextEncoder;
import ai.mercury.feature.UserContext;
import ai.mercury.index.IndexFileException;
import ai.mercury.index.IndexKind;
import ai.mercury.index.IndexParams;
import ai.mercury.index.ItemIndex;
import ai.mercury.index.ItemIndexes;
import ai.mercury.index.SearchResult;
import ai.mercury.index.Vectors;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Turns a bundle directory into a ready {@link Snapshot}: reads and checks the bundle, loads both
 * ONNX towers, checks their inputs against the feature spec, builds the index, and runs smoke and
 * warm-up queries so that the first live request on the snapshot is not the slow one. Runs on a
 * worker thread (it reads files and loads native sessions). Anything opened is closed on failure.
 *
 * <p>The index: when the configured kind resolves to HNSW for the bundle's item count and the
 * bundle lists an {@code index.hnsw} under {@code files} (so its size and sha256 were checked),
 * the prebuilt graph is loaded through {@link ItemIndexes#loadHnsw}, which only accepts a graph
 * built over exactly the bundle's rows with the configured M and efConstruction. Anything else
 * (no file, an unlisted file, an exact index configured, or a graph that fails a check) builds
 * the index from {@code item_vectors.npy}; a rejected graph never fails the bundle. Each load logs
 * which path it took. A graph in the old format 1 (bundles published before format 2) is rebuilt
 * at every load, with one INFO line saying so; the bundle directory is never written.
 */
public final class SnapshotLoader {
    private static final System.Logger LOG = System.getLogger(SnapshotLoader.class.getName());

    /** How snapshots are built. {@code warmupQueries} user-tower runs happen before publication. */
    public record Options(IndexParams index, int intraOpThreads, int warmupQueries, TextEncoder textEncoder) {
        public static Options defaults() {
            return new Options(IndexParams.DEFAULTS, 1, 20, null);
        }

        /**
         * These options with {@code bundle}'s own text encoder (its manifest's {@code text_encoder},
         * from {@code encoders}) when its feature spec reads query text and no encoder is set;
         * otherwise these options unchanged. The server and {@code mercury bundle verify} both load
         * through this, so verify checks what the server would serve.
         *
         * @throws BundleException {@code load_failed} when the encoder cannot be had
         */
        public Options withQueryEncoderFor(Bundle bundle, ai.mercury.feature.TextEncoderRegistry encoders) throws BundleException {
            if (!bundle.manifest().featureSpec().queryEnabled() || textEncoder != null || encoders == null) return this;
            try {
                return new Options(index, intraOpThreads, warmupQueries, encoders.forBundle(bundle.manifest().textEncoder()));
            } catch (RuntimeException e) {
                throw new BundleException("load_failed", bundle.dir(), "the feature spec reads query text: " + e.getMessage(), e);
            }
        }
    }

    private SnapshotLoader() {}

    public static Snapshot load(Path dir, Options options, Consumer<String> log) throws BundleException {
        return load(BundleReader.read(dir, log), options, log);
    }

    /**
     * Loads {@code bundle}, which the snapshot takes over: with {@code index.graph_order} on and an
     * HNSW index, its item vectors are renumbered in place (no second copy of the rows), so use
     * the snapshot's {@link Snapshot#bundle()} afterwards, never {@code bundle} itself; to load one
     * bundle twice, give each load its own rows (as {@code EvalRunner} does).
     */
    public static Snapshot load(Bundle bundle, Options options, Consumer<String> log) throws BundleException {
        FeatureSpec spec = bundle.manifest().featureSpec();
        Hybrid hybrid = Hybrid.load(bundle);
        if (hybrid != null) {
            log.accept("hybrid: " + hybrid.signals().neighbours() + " co-occurrence neighbours per item, popularity by "
                    + (hybrid.signals().field() == null ? "nothing (overall)" : hybrid.signals().field()) + ", weights " + hybrid.blend().toJson()
                    + (Hybrid.ENABLED ? "" : " (off: -Dmercury.hybrid=false)"));
        }
        return assemble(bundle, options, log,
                () -> new FeatureEncoder(spec, bundle.itemVectors(), spec.queryEnabled() ? options.textEncoder() : null),
                () -> new Catalog(bundle.items()), () -> index(bundle, options.index(), log), 0, true, hybrid);
    }

    /**
     * A new snapshot of {@code source}'s bundle over other rows: the live rows of a serving
     * snapshot whose index has too many removed ordinals ({@link ai.mercury.live.LiveItems}). Loads
     * its own towers (a snapshot closes its towers when released) and builds a compact index.
     *
     * @param journalSequence the live-item journal position the rows reflect
     */
    public static Snapshot rebuild(Snapshot source, List<ai.mercury.core.CatalogItem> items, Vectors vectors, long journalSequence,
                                   Options options) throws BundleException {
        return assemble(source.bundle(), options, line -> { }, source::encoder, () -> new Catalog(items),
                () -> ItemIndexes.build(vectors, options.index()), journalSequence, false, source.hybrid());
    }

    /**
     * Loads both towers, then the encoder, catalog and index from the suppliers, checks a loaded
     * bundle's towers for non-finite outputs ({@link OutputCheck}), and runs the smoke and warm-up
     * queries; whatever was opened is closed when any step fails.
     */
    private static Snapshot assemble(Bundle bundle, Options options, Consumer<String> log, Supplier<FeatureEncoder> encoder,
                                     Supplier<Catalog> catalog, Supplier<ItemIndex> indexBuilder, long journalSequence,
                                     boolean indexOverBundleRows, Hybrid hybrid) throws BundleException {
        Path dir = bundle.dir();
        Manifest m = bundle.manifest();
        FeatureSpec spec = m.featureSpec();
        OnnxTower user = null;
        OnnxTower item = null;
        ItemIndex index = null;
        try {
            user = loadTower(dir, Manifest.USER_TOWER, Manifest.USER_OUTPUT, options.intraOpThreads(),
                    spec.userInputs(m.embeddingDim(), m.textEncoder().dim()));
            log.accept(Manifest.USER_TOWER + ": loads in ONNX Runtime, inputs match the feature spec");
            item = loadTower(dir, Manifest.ITEM_TOWER, Manifest.ITEM_OUTPUT, options.intraOpThreads(), spec.itemInputs(m.textEncoder().dim()));
            log.accept(Manifest.ITEM_TOWER + ": loads in ONNX Runtime, inputs match the feature spec");
            FeatureEncoder features = encoder.get();
            Catalog items = catalog.get();
            index = indexBuilder.get();
            Snapshot snapshot = new Snapshot(bundle, features, user, item, items, index, hybrid);
            // A new bundle's towers must be finite over every input a request can reach; a rebuild reuses checked towers.
            if (indexOverBundleRows) logStep(bundle.version(), log, OutputCheck.run(snapshot));
            guide(snapshot, options.index().guideSamples(), log);
            if (options.index().graphOrder()) {
                snapshot = inGraphOrder(snapshot, indexOverBundleRows, log);
            }
            if (journalSequence > 0) snapshot.liveWriteApplied(journalSequence);
            smokeTest(snapshot, options.warmupQueries());
            log.accept("smoke queries: towers give finite " + m.embeddingDim() + "-dim vectors, search returns full pages");
            return snapshot;
        } catch (BundleException e) {
            closeQuietly(user, item, index);
            throw e;
        } catch (ModelOutputException e) {
            closeQuietly(user, item, index);
            throw new BundleException("non_finite_output", dir, e.getMessage(), e);
        } catch (RuntimeException e) {
            closeQuietly(user, item, index);
            throw new BundleException("load_failed", dir, e.toString(), e);
        } catch (OutOfMemoryError e) {
            closeQuietly(user, item, index); // the native sessions would outlive the failed load otherwise
            throw e;
        }
    }

    /** The bundle's index: its prebuilt {@code index.hnsw} when usable (see the class comment), else built. */
    static ItemIndex index(Bundle bundle, IndexParams params, Consumer<String> log) {
        Vectors vectors = bundle.itemVectors();
        Path file = bundle.file(Manifest.HNSW_INDEX);
        boolean listed = bundle.manifest().files().containsKey(Manifest.HNSW_INDEX);
        IndexKind kind = params.resolve(vectors.count());
        String version = bundle.version();
        String why = null;
        if (listed && kind == IndexKind.HNSW) {
            long t0 = System.nanoTime();
            try {
                ItemIndex loaded = ItemIndexes.loadHnsw(file, vectors, params);
                String line = "index: hnsw over " + loaded.size() + " items loaded from the prebuilt " + Manifest.HNSW_INDEX
                        + " (checked against every row, m=" + params.m() + ", efConstruction=" + params.efConstruction()
                        + ") in " + (System.nanoTime() - t0) / 1_000_000 + " ms";
                logStep(version, log, line);
                return loaded;
            } catch (IndexFileException e) {
                why = Manifest.HNSW_INDEX + " not used (" + e.reason() + "): " + e.getMessage();
                if (e.reason().equals("old_format")) {
                    // a bundle published before the format change: valid then, so no warning; republishing it saves the rebuild
                    LOG.log(System.Logger.Level.INFO, version + ": " + why + "; the graph is rebuilt in the new format at every load"
                            + " until the bundle is republished (`mercury bundle index DIR` publishes a copy with it)");
                    why = Manifest.HNSW_INDEX + " in the old format 1, rebuilt in the new format";
                } else {
                    LOG.log(System.Logger.Level.WARNING, version + ": " + why + "; building the index from " + Manifest.ITEM_VECTORS);
                }
            }
        } else if (listed || Files.exists(file)) {
            why = Manifest.HNSW_INDEX + " not read: " + (!listed ? "it is not listed under files in " + Manifest.FILE_NAME
                    + " (so not checksummed)" : "the configured index kind " + params.kind().label() + " resolves to "
                    + kind.label() + " for " + vectors.count() + " items");
            LOG.log(System.Logger.Level.INFO, version + ": " + why);
        }
        long t0 = System.nanoTime();
        ItemIndex built = ItemIndexes.build(vectors, params);
        String line = "index: " + built.kind() + " over " + built.size() + " items built from " + Manifest.ITEM_VECTORS + " in "
                + (System.nanoTime() - t0) / 1_000_000 + " ms" + (why == null ? "" : " (" + why + ")");
        log.accept(line);
        if (built.kind().equals(IndexKind.HNSW.label())) LOG.log(System.Logger.Level.INFO, version + ": " + line);
        return built;
    }

    /**
     * Query-guided links for an HNSW index (see {@code ItemIndexes.guide}): seconds at load, in
     * exchange for recall@100 0.98 at half the ef. Nothing for an exact index or 0 samples.
     */
    private static void guide(Snapshot s, int samples, Consumer<String> log) {
        if (samples == 0 || !s.index().kind().equals(IndexKind.HNSW.label())) return;
        long t0 = System.nanoTime();
        ItemIndexes.GuideSummary g;
        long towerMs;
        try {
            float[][] users = GuideSamples.userVectors(s, samples);
            towerMs = (System.nanoTime() - t0) / 1_000_000;
            g = ItemIndexes.guide(s.index(), users);
        } catch (RuntimeException e) {
            // an optimisation only: the graph serves without the links (lower recall at the same ef)
            String line = "index: query-guided links not added (" + e + "); serving the graph without them";
            log.accept(line);
            LOG.log(System.Logger.Level.WARNING, s.version() + ": " + line, e);
            return;
        }
        if (g == null) return;
        String line = String.format(java.util.Locale.ROOT, "index: query-guided links from %d sample user vectors: %d links on %d items (%d ms tower, %d ms lists)",
                g.samples(), g.links(), g.itemsLinked(), towerMs, g.millis());
        logStep(s.version(), log, line);
    }

    /**
     * Renumbers the snapshot's index and catalog in the graph's order ({@link ItemIndexes#inGraphOrder}),
     * in place. Ordinals are internal to a snapshot, so nothing outside notices. The index's rows
     * move inside the vectors it was made over: for a loaded bundle ({@code indexOverBundleRows}) those are
     * the bundle's, so the result carries a {@link Bundle} whose items are renumbered alike (and the
     * caller's bundle object must not be used any more); a rebuilt index's rows are its own copy.
     */
    private static Snapshot inGraphOrder(Snapshot s, boolean indexOverBundleRows, Consumer<String> log) {
        long t0 = System.nanoTime();
        int[] order = ItemIndexes.inGraphOrder(s.index());
        if (order == null) return s;
        s.catalog().renumber(order);
        Snapshot renumbered = s;
        if (indexOverBundleRows) {
            Bundle b = s.bundle();
            List<CatalogItem> items = new java.util.ArrayList<>(order.length);
            for (int old : order) items.add(b.items().get(old));
            renumbered = new Snapshot(new Bundle(b.dir(), b.manifest(), items, b.itemVectors()), s.encoder(), s.userTower(), s.itemTower(),
                    s.catalog(), s.index(), s.hybrid());
        } else if (s.hybrid() != null) {
            // Same towers and index, the hybrid part bound to the new ordinals.
            renumbered = new Snapshot(s.bundle(), s.encoder(), s.userTower(), s.itemTower(), s.catalog(), s.index(), s.hybrid());
        }
        logStep(s.version(), log, "index: rows renumbered in graph order (" + order.length + " items, "
                + (System.nanoTime() - t0) / 1_000_000 + " ms)");
        return renumbered;
    }

    /** A load step worth keeping: to the caller's log and, at INFO, to the server's. */
    private static void logStep(String version, Consumer<String> log, String line) {
        log.accept(line);
        LOG.log(System.Logger.Level.INFO, version + ": " + line);
    }

    private static OnnxTower loadTower(Path dir, String file, String output, int threads, List<TowerInput> expected) throws BundleException {
        OnnxTower tower;
        try {
            tower = OnnxTower.load(dir.resolve(file), output, threads);
        } catch (TowerLoadException e) {
            throw new BundleException("tower_invalid", dir, e.getMessage(), e);
        }
        Map<String, long[]> shapes = tower.inputShapes();
        for (TowerInput in : expected) {
            long[] shape = shapes.get(in.name());
            if (shape == null || shape.length != 2 || shape[1] != in.width()) {
                tower.close();
                throw new BundleException("feature_spec_mismatch", dir, file + " input " + in.name() + " has shape "
                        + (shape == null ? "none" : java.util.Arrays.toString(shape)) + ", the feature spec needs [batch, " + in.width() + "]");
            }
        }
        if (shapes.size() != expected.size()) {
            tower.close();
            throw new BundleException("feature_spec_mismatch", dir, file + " has inputs " + shapes.keySet() + ", the feature spec needs "
                    + expected.stream().map(TowerInput::name).toList());
        }
        return tower;
    }

    private static void smokeTest(Snapshot s, int warmups) throws BundleException {
        Path dir = s.bundle().dir();
        int dim = s.manifest().embeddingDim();
        String firstItem = "none";
        for (int o = 0; o < s.catalog().ordinalLimit(); o++) {
            if (s.catalog().item(o) != null) {
                firstItem = s.catalog().item(o).itemId();
                break;
            }
        }
        for (int i = 0; i < Math.max(1, warmups); i++) {
            UserContext user = new UserContext(Map.of(), Instant.ofEpochSecond(1_700_000_000L + i * 3_600L),
                    i % 2 == 0 ? List.of() : List.of(firstItem), null);
            EncodedUser encoded = s.encoder().encode(user, s.history());
            float[] v = Recommender.userVector(s, encoded);
            requireFinite(dir, Manifest.USER_TOWER, v, dim);
            int k = Math.min(10, s.index().size());
            if (k == 0) continue;
            SearchResult r = s.index().search(v, k);
            if (r.size() != k) throw new BundleException("smoke_failed", dir, "a search for " + k + " items returned " + r.size());
        }
        Map<String, float[][]> itemInputs = new LinkedHashMap<>();
        for (TowerInput in : s.encoder().spec().itemInputs(s.manifest().textEncoder().dim())) {
            itemInputs.put(in.name(), new float[1][in.width()]);
        }
        requireFinite(dir, Manifest.ITEM_TOWER, s.itemTower().embed(itemInputs)[0], dim);
    }

    private static void requireFinite(Path dir, String tower, float[] v, int dim) throws BundleException {
        if (v.length != dim) throw new BundleException("smoke_failed", dir, tower + " returned " + v.length + " values, embedding_dim is " + dim);
        for (float x : v) {
            if (!Float.isFinite(x)) throw new BundleException("non_finite_output", dir, tower + " returned a non-finite value on a smoke query");
        }
    }

    private static void closeQuietly(OnnxTower user, OnnxTower item, ItemIndex index) {
        if (user != null) user.close();
        if (item != null) item.close();
        if (index != null) index.close();
    }
}
