package ai.mercury.bundle;

import ai.mercury.core.CatalogItem;
import ai.mercury.core.Json;

import ai.mercury.bundle.Manifest.FileEntry;
import ai.mercury.core.TextEncoderInfo;
import ai.mercury.bundle.Manifest.TowerFile;
import ai.mercury.bundle.Manifest.Towers;
import ai.mercury.feature.FeatureSpec;
import ai.mercury.index.IndexParams;
import ai.mercury.index.ItemIndexes;
import ai.mercury.index.Vectors;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Writes a {@code mercury-bundle/1} directory: exports both towers to ONNX, writes the catalog and
 * vectors, then the manifest last, into {@code <artifacts>/.tmp-<version>/}, and renames it to
 * {@code <artifacts>/<version>/} in one atomic move. Readers never see a half-written bundle.
 * The one path through which the trainer, the tests and the bootstrap tool produce bundles.
 *
 * <p>Optionally the bundle carries a prebuilt HNSW graph, {@code index.hnsw}, built here with the
 * given {@link IndexParams} (its M and efConstruction must be the serving configuration's for the
 * server to use it) and listed under {@code files} like every other file. A published bundle is
 * never modified: {@link #publishWithIndex} copies one into a new version with the graph added.
 */
public final class BundleWriter {
    public static final DateTimeFormatter VERSION_FORMAT = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);

    private BundleWriter() {}

    /** Everything a bundle holds. {@code training} and {@code evaluation} may be null. */
    public record Content(
            String version,
            FeatureSpec featureSpec,
            TextEncoderInfo textEncoder,
            TowerSpec userTower,
            TowerSpec itemTower,
            List<CatalogItem> items,
            Vectors itemVectors,
            JsonNode training,
            JsonNode evaluation) {}

    /** A version string for a bundle made now, e.g. {@code 20261126T101500Z}. */
    public static String versionFor(Instant t) {
        return VERSION_FORMAT.format(t);
    }

    /** Publishes {@code c} under {@code artifactsDir} and returns the final bundle directory. */
    public static Path publish(Path artifactsDir, Content c) throws IOException {
        return publish(artifactsDir, c, null);
    }

    /**
     * Publishes {@code c}, with a prebuilt {@code index.hnsw} built with {@code hnswIndex} when it
     * is not null (the graph is built over {@code c.itemVectors()} with every processor; about a
     * minute for 100k items on two cores).
     */
    public static Path publish(Path artifactsDir, Content c, IndexParams hnswIndex) throws IOException {
        return publish(artifactsDir, c, hnswIndex, null);
    }

    /**
     * As {@link #publish(Path, Content, IndexParams)}, with the hybrid's count signals
     * ({@link HybridSignals#files}) when {@code signals} is not null.
     */
    public static Path publish(Path artifactsDir, Content c, IndexParams hnswIndex, HybridSignals signals) throws IOException {
        validate(c);
        if (signals != null && signals.rows() != c.items().size()) {
            throw new IllegalArgumentException("hybrid signals have " + signals.rows() + " rows, the catalog " + c.items().size() + " items");
        }
        Staging staging = stage(artifactsDir, c.version());
        Path tmp = staging.tmp();
        try {
            writeBytes(tmp.resolve(Manifest.USER_TOWER), OnnxTowerExporter.export(c.userTower(), "mercury_user_tower"));
            writeBytes(tmp.resolve(Manifest.ITEM_TOWER), OnnxTowerExporter.export(c.itemTower(), "mercury_item_tower"));
            try (BufferedWriter out = Files.newBufferedWriter(tmp.resolve(Manifest.ITEMS), StandardCharsets.UTF_8)) {
                for (CatalogItem item : c.items()) {
                    out.write(Json.MAPPER.writer().without(com.fasterxml.jackson.databind.SerializationFeature.INDENT_OUTPUT)
                            .writeValueAsString(item.toJson()));
                    out.write('\n');
                }
            }
            fsync(tmp.resolve(Manifest.ITEMS));
            Npy.write(tmp.resolve(Manifest.ITEM_VECTORS), c.itemVectors());
            if (hnswIndex != null) ItemIndexes.writeHnsw(c.itemVectors(), hnswIndex, tmp.resolve(Manifest.HNSW_INDEX));

            Map<String, FileEntry> files = new LinkedHashMap<>();
            for (String name : Manifest.REQUIRED_FILES) {
                Path f = tmp.resolve(name);
                files.put(name, new FileEntry(Files.size(f), Sha256.of(f)));
            }
            if (hnswIndex != null) files.put(Manifest.HNSW_INDEX, entry(tmp.resolve(Manifest.HNSW_INDEX)));
            if (signals != null) {
                signals.write(tmp);
                for (String name : signals.files()) files.put(name, entry(tmp.resolve(name)));
            }
            int textDim = c.textEncoder().dim();
            Manifest manifest = new Manifest(Manifest.FORMAT, c.version(), Instant.now().toString(), c.itemVectors().dim(), "dot",
                    c.textEncoder(), c.featureSpec(),
                    new Towers(new TowerFile(Manifest.USER_TOWER, c.featureSpec().userInputs(c.itemVectors().dim(), textDim), Manifest.USER_OUTPUT),
                            new TowerFile(Manifest.ITEM_TOWER, c.featureSpec().itemInputs(textDim), Manifest.ITEM_OUTPUT)),
                    files, c.training(), c.evaluation());
            writeBytes(tmp.resolve(Manifest.FILE_NAME), Json.MAPPER.writeValueAsBytes(manifest));
            return rename(staging, artifactsDir);
        } catch (IOException | RuntimeException e) {
            deleteRecursively(tmp);
            throw e;
        }
    }

    /**
     * Publishes a copy of the bundle in {@code source} as {@code newVersion} under
     * {@code artifactsDir}, with an {@code index.hnsw} built with {@code hnswIndex} over its
     * vectors (replacing one it may already have). The source is read and checked first
     * ({@link BundleReader}) and left untouched; the copy's manifest is the source's with the new
     * version, a new {@code created_at}, the graph's entry under {@code files} and
     * {@code derived_from: {version, change}}. Written in {@code .tmp-<newVersion>/}, manifest
     * last, then renamed into place.
     */
    public static Path publishWithIndex(Path source, Path artifactsDir, String newVersion, IndexParams hnswIndex)
            throws IOException, BundleException {
        checkVersion(newVersion);
        java.util.Objects.requireNonNull(hnswIndex, "hnswIndex");
        Bundle bundle = BundleReader.read(source);
        Staging staging = stage(artifactsDir, newVersion);
        Path tmp = staging.tmp();
        try {
            for (String name : bundle.manifest().files().keySet()) {
                if (name.equals(Manifest.HNSW_INDEX)) continue;
                Files.copy(source.resolve(name), tmp.resolve(name));
                fsync(tmp.resolve(name));
            }
            ItemIndexes.writeHnsw(bundle.itemVectors(), hnswIndex, tmp.resolve(Manifest.HNSW_INDEX));
            FileEntry graph = entry(tmp.resolve(Manifest.HNSW_INDEX));
            ObjectNode manifest = (ObjectNode) Json.MAPPER.readTree(source.resolve(Manifest.FILE_NAME).toFile());
            manifest.put("version", newVersion);
            manifest.put("created_at", Instant.now().toString());
            ((ObjectNode) manifest.get("files")).putObject(Manifest.HNSW_INDEX).put("size", graph.size()).put("sha256", graph.sha256());
            manifest.putObject("derived_from").put("version", bundle.version())
                    .put("change", "added " + Manifest.HNSW_INDEX + " (m=" + hnswIndex.m() + ", ef_construction="
                            + hnswIndex.efConstruction() + ")");
            writeBytes(tmp.resolve(Manifest.FILE_NAME), Json.MAPPER.writeValueAsBytes(manifest));
            return rename(staging, artifactsDir);
        } catch (IOException | RuntimeException e) {
            deleteRecursively(tmp);
            throw e;
        }
    }

    /**
     * Publishes a copy of the bundle in {@code source} as {@code newVersion} with the hybrid's count
     * signals added ({@link HybridSignals}, rows in the source's catalog order) and {@code hybrid} as
     * the manifest's {@code training.hybrid}; the rest of the manifest is the source's, with
     * {@code derived_from}. For bundles trained before the hybrid ({@code mercury bundle hybridize}).
     */
    public static Path publishWithHybrid(Path source, Path artifactsDir, String newVersion, HybridSignals signals, ObjectNode hybrid)
            throws IOException, BundleException {
        checkVersion(newVersion);
        Bundle bundle = BundleReader.read(source);
        if (signals.rows() != bundle.items().size()) {
            throw new IllegalArgumentException("hybrid signals have " + signals.rows() + " rows, the bundle " + bundle.items().size() + " items");
        }
        Staging staging = stage(artifactsDir, newVersion);
        Path tmp = staging.tmp();
        try {
            for (String name : bundle.manifest().files().keySet()) {
                if (HybridSignals.ALL_FILES.contains(name)) continue;
                Files.copy(source.resolve(name), tmp.resolve(name));
                fsync(tmp.resolve(name));
            }
            signals.write(tmp);
            ObjectNode manifest = (ObjectNode) Json.MAPPER.readTree(source.resolve(Manifest.FILE_NAME).toFile());
            manifest.put("version", newVersion);
            manifest.put("created_at", Instant.now().toString());
            ((ObjectNode) manifest.get("files")).remove(HybridSignals.ALL_FILES);
            for (String name : signals.files()) {
                FileEntry e = entry(tmp.resolve(name));
                ((ObjectNode) manifest.get("files")).putObject(name).put("size", e.size()).put("sha256", e.sha256());
            }
            JsonNode training = manifest.get("training");
            ObjectNode t = training instanceof ObjectNode o ? o : manifest.putObject("training");
            t.set("hybrid", hybrid);
            manifest.remove("evaluation"); // the figures described the model alone
            manifest.putObject("derived_from").put("version", bundle.version()).put("change", "added the hybrid's signals and weights");
            writeBytes(tmp.resolve(Manifest.FILE_NAME), Json.MAPPER.writeValueAsBytes(manifest));
            return rename(staging, artifactsDir);
        } catch (IOException | RuntimeException e) {
            deleteRecursively(tmp);
            throw e;
        }
    }

    /** Makes the rows of a derived catalog, one call per row, in order. */
    @FunctionalInterface
    public interface RowSource {
        /** Writes row {@code i}'s vector into {@code vector} and returns its item. */
        CatalogItem row(int i, float[] vector);
    }

    /**
     * Publishes a bundle with the towers, feature spec and text encoder of {@code source} and a new
     * catalog of {@code count} items made by {@code rows}, as {@code newVersion} under
     * {@code artifactsDir}. {@code items.jsonl} and {@code item_vectors.npy} are streamed row by
     * row, so memory stays bounded by the source bundle plus, only when {@code hnswIndex} is not
     * null, the new vector matrix (which the graph build needs). The manifest is the source's with
     * the new version, {@code created_at} and files, {@code derived_from: {version, change, ...derivedFrom}},
     * and without the source's {@code evaluation} (its figures describe another catalog).
     * Written in {@code .tmp-<newVersion>/}, manifest last, then renamed into place.
     */
    public static Path publishDerived(Path source, Path artifactsDir, String newVersion, int count, RowSource rows,
                                      IndexParams hnswIndex, String change, ObjectNode derivedFrom) throws IOException, BundleException {
        checkVersion(newVersion);
        if (count < 1) throw new IllegalArgumentException("count must be at least 1, got " + count);
        Manifest sourceManifest = BundleReader.readManifest(source);
        int dim = sourceManifest.embeddingDim();
        Staging staging = stage(artifactsDir, newVersion);
        Path tmp = staging.tmp();
        try {
            for (String name : List.of(Manifest.USER_TOWER, Manifest.ITEM_TOWER)) {
                Files.copy(source.resolve(name), tmp.resolve(name));
                fsync(tmp.resolve(name));
            }
            float[] all = hnswIndex == null ? null : new float[Math.multiplyExact(count, dim)];
            float[] row = new float[dim];
            com.fasterxml.jackson.databind.ObjectWriter line = Json.MAPPER.writer()
                    .without(com.fasterxml.jackson.databind.SerializationFeature.INDENT_OUTPUT);
            try (BufferedWriter out = Files.newBufferedWriter(tmp.resolve(Manifest.ITEMS), StandardCharsets.UTF_8);
                 Npy.RowWriter vectors = new Npy.RowWriter(tmp.resolve(Manifest.ITEM_VECTORS), count, dim)) {
                for (int i = 0; i < count; i++) {
                    java.util.Arrays.fill(row, 0f);
                    CatalogItem item = rows.row(i, row);
                    for (float v : row) {
                        if (!Float.isFinite(v)) throw new IllegalArgumentException("row " + i + " holds a non-finite value");
                    }
                    out.write(line.writeValueAsString(item.toJson()));
                    out.write('\n');
                    vectors.write(row);
                    if (all != null) System.arraycopy(row, 0, all, i * dim, dim);
                }
            }
            fsync(tmp.resolve(Manifest.ITEMS));
            if (hnswIndex != null) ItemIndexes.writeHnsw(new Vectors(count, dim, all), hnswIndex, tmp.resolve(Manifest.HNSW_INDEX));
            all = null;

            ObjectNode manifest = (ObjectNode) Json.MAPPER.readTree(source.resolve(Manifest.FILE_NAME).toFile());
            manifest.put("version", newVersion);
            manifest.put("created_at", Instant.now().toString());
            manifest.remove("evaluation");
            ObjectNode files = manifest.putObject("files");
            for (String name : Manifest.REQUIRED_FILES) {
                FileEntry e = entry(tmp.resolve(name));
                files.putObject(name).put("size", e.size()).put("sha256", e.sha256());
            }
            if (hnswIndex != null) {
                FileEntry graph = entry(tmp.resolve(Manifest.HNSW_INDEX));
                files.putObject(Manifest.HNSW_INDEX).put("size", graph.size()).put("sha256", graph.sha256());
            }
            ObjectNode derived = manifest.putObject("derived_from").put("version", sourceManifest.version()).put("change", change);
            if (derivedFrom != null) derived.setAll(derivedFrom);
            writeBytes(tmp.resolve(Manifest.FILE_NAME), Json.MAPPER.writeValueAsBytes(manifest));
            return rename(staging, artifactsDir);
        } catch (IOException | RuntimeException e) {
            deleteRecursively(tmp);
            throw e;
        }
    }

    private static FileEntry entry(Path f) throws IOException {
        return new FileEntry(Files.size(f), Sha256.of(f));
    }

    /** Where a new version is written ({@code tmp}) and the name it is renamed to when complete ({@code target}). */
    private record Staging(Path tmp, Path target) {}

    private static void checkVersion(String version) {
        if (version == null || !version.matches("[A-Za-z0-9][A-Za-z0-9._-]*")) {
            throw new IllegalArgumentException("version must match [A-Za-z0-9][A-Za-z0-9._-]*, got " + version);
        }
    }

    /**
     * Refuses a version that already exists under {@code artifactsDir} (versions are immutable)
     * and returns a fresh, empty {@code .tmp-<version>} directory to write it in (a leftover of a
     * crashed writer is deleted first).
     */
    private static Staging stage(Path artifactsDir, String version) throws IOException {
        Files.createDirectories(artifactsDir);
        Path target = artifactsDir.resolve(version);
        if (Files.exists(target)) throw new FileAlreadyExistsException(target + " already exists: versions are immutable");
        Path tmp = artifactsDir.resolve(".tmp-" + version);
        deleteRecursively(tmp);
        Files.createDirectories(tmp);
        return new Staging(tmp, target);
    }

    private static Path rename(Staging staging, Path artifactsDir) throws IOException {
        Path tmp = staging.tmp(), target = staging.target();
        fsync(tmp);
        try {
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            throw new IOException("the file system of " + artifactsDir + " cannot rename atomically", e);
        }
        fsync(artifactsDir);
        return target;
    }

    private static void validate(Content c) {
        checkVersion(c.version());
        if (c.items().size() != c.itemVectors().count()) {
            throw new IllegalArgumentException(c.items().size() + " items but " + c.itemVectors().count() + " vectors");
        }
        int dim = c.itemVectors().dim();
        int textDim = c.textEncoder().dim();
        if (!c.userTower().inputs().equals(c.featureSpec().userInputs(dim, textDim))) {
            throw new IllegalArgumentException("user tower inputs " + c.userTower().inputs() + " differ from the feature spec's "
                    + c.featureSpec().userInputs(dim, textDim));
        }
        if (!c.itemTower().inputs().equals(c.featureSpec().itemInputs(textDim))) {
            throw new IllegalArgumentException("item tower inputs " + c.itemTower().inputs() + " differ from the feature spec's "
                    + c.featureSpec().itemInputs(textDim));
        }
        if (c.userTower().outputDim() != dim || c.itemTower().outputDim() != dim) {
            throw new IllegalArgumentException("towers must output embedding dim " + dim);
        }
    }

    private static void writeBytes(Path file, byte[] bytes) throws IOException {
        Files.write(file, bytes);
        fsync(file);
    }

    private static void fsync(Path path) throws IOException {
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException e) {
            if (!Files.isDirectory(path)) throw e; // some file systems cannot fsync a directory
        }
    }

    static void deleteRecursively(Path dir) throws IOException {
        if (!Files.exists(dir)) return;
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        }
    }
}
