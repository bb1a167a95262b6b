package ai.mercury.model;

import ai.mercury.bundle.Bundle;
import ai.mercury.bundle.BundleException;
import ai.mercury.bundle.BundleReader;
import ai.mercury.bundle.Manifest;
import ai.mercury.bundle.TowerSpec.TowerInput;
import ai.mercury.feature.FeatureEncoder;
import ai.mercury.feature.FeatureEncoder.EncodedUser;
import ai.mercury.feature.FeatureSpec;
import ai.mercury.feature.TextEncoder;
import ai.mercury.feature.UserContext;
import ai.mercury.index.IndexParams;
import ai.mercury.index.ItemIndex;
import ai.mercury.index.ItemIndexes;
import ai.mercury.index.SearchResult;

import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Turns a bundle directory into a ready {@link Snapshot}: reads and checks the bundle, loads both
 * ONNX towers, checks their inputs against the feature spec, builds the index, and runs smoke and
 * warm-up queries so that the first live request on the snapshot is not the slow one. Runs on a
 * worker thread (it reads files and loads native sessions). Anything opened is closed on failure.
 */
public final class SnapshotLoader {
    /** How snapshots are built. {@code warmupQueries} user-tower runs happen before publication. */
    public record Options(IndexParams index, int intraOpThreads, int warmupQueries, TextEncoder textEncoder) {
        public static Options defaults() {
            return new Options(IndexParams.DEFAULTS, 1, 20, null);
        }
    }

    private SnapshotLoader() {}

    public static Snapshot load(Path dir, Options options, Consumer<String> log) throws BundleException {
        return load(BundleReader.read(dir, log), options, log);
    }

    public static Snapshot load(Bundle bundle, Options options, Consumer<String> log) throws BundleException {
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
            FeatureEncoder encoder = new FeatureEncoder(spec, bundle.itemVectors(),
                    spec.queryEnabled() ? options.textEncoder() : null);
            Catalog catalog = new Catalog(bundle.items());
            index = ItemIndexes.build(bundle.itemVectors(), options.index());
            log.accept("index: " + index.kind() + " over " + index.size() + " items");
            Snapshot snapshot = new Snapshot(bundle, encoder, user, item, catalog, index);
            smokeTest(snapshot, options.warmupQueries());
            log.accept("smoke queries: towers give finite " + m.embeddingDim() + "-dim vectors, search returns full pages");
            return snapshot;
        } catch (BundleException e) {
            closeQuietly(user, item, index);
            throw e;
        } catch (RuntimeException e) {
            closeQuietly(user, item, index);
            throw new BundleException("load_failed", dir, e.toString(), e);
        }
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
        String firstItem = s.catalog().item(0).itemId();
        for (int i = 0; i < Math.max(1, warmups); i++) {
            UserContext user = new UserContext(Map.of(), Instant.ofEpochSecond(1_700_000_000L + i * 3_600L),
                    i % 2 == 0 ? List.of() : List.of(firstItem), null);
            EncodedUser encoded = s.encoder().encode(user, s.catalog()::ordinalOf);
            float[] v = Recommender.userVector(s, encoded);
            requireFinite(dir, Manifest.USER_TOWER, v, dim);
            int k = Math.min(10, s.catalog().size());
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
            if (!Float.isFinite(x)) throw new BundleException("smoke_failed", dir, tower + " returned a non-finite value");
        }
    }

    private static void closeQuietly(OnnxTower user, OnnxTower item, ItemIndex index) {
        if (user != null) user.close();
        if (item != null) item.close();
        if (index != null) index.close();
    }
}
