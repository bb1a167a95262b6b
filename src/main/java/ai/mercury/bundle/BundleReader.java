package ai.mercury.bundle;

import ai.mercury.core.CatalogItem;
import ai.mercury.core.Json;

import ai.mercury.bundle.Manifest.FileEntry;
import ai.mercury.bundle.Manifest.TowerFile;
import ai.mercury.core.TowerInput;
import ai.mercury.feature.FeatureSpec;
import ai.mercury.index.Vectors;
import com.fasterxml.jackson.core.JsonProcessingException;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Reads a {@code mercury-bundle/1} directory and checks everything that can be checked without
 * running the towers: manifest schema and format, directory name = version, every file's size and
 * sha256, the catalog, the vector matrix's shape and values, and the tower input lists against
 * the feature spec. Every failure is a {@link BundleException} with a reason code. Stateless.
 */
public final class BundleReader {
    private BundleReader() {}

    public static Bundle read(Path dir) throws BundleException {
        return read(dir, line -> { });
    }

    /** Reads and checks {@code dir}, reporting each passed check to {@code log}. */
    public static Bundle read(Path dir, Consumer<String> log) throws BundleException {
        Manifest manifest = readManifest(dir);
        log.accept("manifest: format " + manifest.format() + ", version " + manifest.version());
        verifyFiles(dir, manifest, log);
        List<CatalogItem> items = readItems(dir);
        log.accept(Manifest.ITEMS + ": " + items.size() + " items, ids unique");
        Vectors vectors;
        try {
            vectors = Npy.read(dir.resolve(Manifest.ITEM_VECTORS));
        } catch (IOException e) {
            throw new BundleException("vectors_invalid", dir, e.getMessage(), e);
        }
        if (vectors.count() != items.size() || vectors.dim() != manifest.embeddingDim()) {
            throw new BundleException("dimension_mismatch", dir, Manifest.ITEM_VECTORS + " has shape [" + vectors.count() + ", "
                    + vectors.dim() + "] but the bundle has " + items.size() + " items of embedding_dim " + manifest.embeddingDim());
        }
        float[] data = vectors.data();
        for (int i = 0; i < data.length; i++) {
            if (!Float.isFinite(data[i])) {
                throw new BundleException("vectors_invalid", dir, Manifest.ITEM_VECTORS + " row " + (i / vectors.dim()) + " holds a non-finite value");
            }
        }
        log.accept(Manifest.ITEM_VECTORS + ": float32 [" + vectors.count() + ", " + vectors.dim() + "], all finite");
        return new Bundle(dir, manifest, List.copyOf(items), vectors);
    }

    static Manifest readManifest(Path dir) throws BundleException {
        Path file = dir.resolve(Manifest.FILE_NAME);
        if (!Files.isRegularFile(file)) throw new BundleException("file_missing", dir, "no " + Manifest.FILE_NAME);
        Manifest m;
        try {
            m = Json.MAPPER.readValue(file.toFile(), Manifest.class);
        } catch (JsonProcessingException e) {
            throw new BundleException("manifest_invalid", dir, Manifest.FILE_NAME + " is not a valid manifest: " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new BundleException("manifest_invalid", dir, "cannot read " + Manifest.FILE_NAME + ": " + e.getMessage(), e);
        }
        if (m == null) throw new BundleException("manifest_invalid", dir, Manifest.FILE_NAME + " holds JSON null, not a manifest object");
        if (!Manifest.FORMAT.equals(m.format())) {
            throw new BundleException("format_unsupported", dir, Manifest.FILE_NAME + ": format is " + m.format() + ", this server reads " + Manifest.FORMAT);
        }
        require(dir, m.version() != null && m.version().matches("[A-Za-z0-9][A-Za-z0-9._-]*"), "version must match [A-Za-z0-9][A-Za-z0-9._-]*");
        Path name = dir.toAbsolutePath().normalize().getFileName();
        if (name == null || !name.toString().equals(m.version())) {
            throw new BundleException("version_mismatch", dir, "directory name " + name + " differs from the version " + m.version() + " in " + Manifest.FILE_NAME);
        }
        require(dir, m.embeddingDim() > 0, "embedding_dim must be > 0");
        require(dir, "dot".equals(m.metric()), "metric must be 'dot', got " + m.metric());
        require(dir, m.textEncoder() != null && m.textEncoder().dim() > 0, "text_encoder with name and dim is required");
        require(dir, m.featureSpec() != null, "feature_spec is required");
        require(dir, m.towers() != null && m.towers().user() != null && m.towers().item() != null, "towers.user and towers.item are required");
        require(dir, m.files() != null, "files is required");
        FeatureSpec spec = m.featureSpec();
        checkTower(dir, "user", m.towers().user(), Manifest.USER_TOWER, Manifest.USER_OUTPUT,
                spec.userInputs(m.embeddingDim(), m.textEncoder().dim()));
        checkTower(dir, "item", m.towers().item(), Manifest.ITEM_TOWER, Manifest.ITEM_OUTPUT, spec.itemInputs(m.textEncoder().dim()));
        return m;
    }

    private static void checkTower(Path dir, String which, TowerFile tower, String file, String output, List<TowerInput> expected)
            throws BundleException {
        require(dir, file.equals(tower.file()), "towers." + which + ".file must be " + file);
        require(dir, output.equals(tower.output()), "towers." + which + ".output must be " + output);
        if (tower.inputs() != null && !tower.inputs().equals(expected)) {
            throw new BundleException("feature_spec_mismatch", dir, Manifest.FILE_NAME + ": towers." + which + ".inputs " + tower.inputs()
                    + " disagree with the feature spec, which implies " + expected);
        }
    }

    private static void verifyFiles(Path dir, Manifest m, Consumer<String> log) throws BundleException {
        Set<String> required = new HashSet<>(Manifest.REQUIRED_FILES);
        for (String name : Manifest.REQUIRED_FILES) {
            if (!m.files().containsKey(name)) throw new BundleException("manifest_invalid", dir, Manifest.FILE_NAME + ": files lacks required " + name);
        }
        for (Map.Entry<String, FileEntry> e : m.files().entrySet()) {
            String name = e.getKey();
            if (name.contains("/") || name.contains("\\") || name.startsWith(".")) {
                throw new BundleException("manifest_invalid", dir, Manifest.FILE_NAME + ": file name " + name + " must be a plain name inside the bundle");
            }
            Path file = dir.resolve(name);
            if (!Files.isRegularFile(file)) throw new BundleException("file_missing", dir, "missing file " + name);
            FileEntry expected = e.getValue();
            if (expected == null) throw new BundleException("manifest_invalid", dir, Manifest.FILE_NAME + ": files." + name + " is null, expected size and sha256");
            try {
                long size = Files.size(file);
                if (size != expected.size()) {
                    throw new BundleException("size_mismatch", dir, name + " is " + size + " bytes, manifest says " + expected.size());
                }
                String sha = Sha256.of(file);
                if (!sha.equalsIgnoreCase(String.valueOf(expected.sha256()))) {
                    throw new BundleException("checksum_mismatch", dir, name + " has sha256 " + sha + ", manifest says " + expected.sha256());
                }
            } catch (IOException ex) {
                throw new BundleException("file_unreadable", dir, "cannot read " + name + ": " + ex.getMessage(), ex);
            }
            log.accept(name + ": " + expected.size() + " bytes, sha256 ok" + (required.contains(name) ? "" : " (optional)"));
        }
    }

    private static List<CatalogItem> readItems(Path dir) throws BundleException {
        List<CatalogItem> items = new ArrayList<>();
        Set<String> ids = new HashSet<>();
        try (BufferedReader in = Files.newBufferedReader(dir.resolve(Manifest.ITEMS), StandardCharsets.UTF_8)) {
            int lineNo = 0;
            for (String line; (line = in.readLine()) != null; ) {
                lineNo++;
                if (line.isBlank()) continue;
                CatalogItem item;
                try {
                    item = CatalogItem.fromJson(Json.MAPPER.readTree(line));
                } catch (JsonProcessingException | IllegalArgumentException e) {
                    String msg = e instanceof JsonProcessingException j ? j.getOriginalMessage() : e.getMessage();
                    throw new BundleException("items_invalid", dir, Manifest.ITEMS + " line " + lineNo + ": " + msg, e);
                }
                if (!ids.add(item.itemId())) {
                    throw new BundleException("items_invalid", dir, Manifest.ITEMS + " line " + lineNo + ": duplicate item_id " + item.itemId());
                }
                items.add(item);
            }
        } catch (IOException e) {
            throw new BundleException("items_invalid", dir, "cannot read " + Manifest.ITEMS + ": " + e.getMessage(), e);
        }
        if (items.isEmpty()) throw new BundleException("items_invalid", dir, Manifest.ITEMS + " holds no items");
        return items;
    }

    private static void require(Path dir, boolean ok, String message) throws BundleException {
        if (!ok) throw new BundleException("manifest_invalid", dir, Manifest.FILE_NAME + ": " + message);
    }
}
