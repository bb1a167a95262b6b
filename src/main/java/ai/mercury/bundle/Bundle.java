package ai.mercury.bundle;

import ai.mercury.core.CatalogItem;

import ai.mercury.index.Vectors;

import java.nio.file.Path;
import java.util.List;

/**
 * A bundle read from disk and checked by {@link BundleReader}: manifest, catalog and item vectors
 * in memory, towers still as files (loading them is the model layer's job).
 */
public record Bundle(Path dir, Manifest manifest, List<CatalogItem> items, Vectors itemVectors) {

    public String version() {
        return manifest.version();
    }

    public Path file(String name) {
        return dir.resolve(name);
    }
}
