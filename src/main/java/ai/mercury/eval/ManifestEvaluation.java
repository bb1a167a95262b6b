package ai.mercury.eval;

import ai.mercury.bundle.AtomicFiles;

import ai.mercury.core.Json;
import ai.mercury.bundle.Manifest;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Writes evaluation figures into a bundle's {@code manifest.json} under {@code evaluation}, keeping
 * every other key as it was. manifest.json is not in its own {@code files} list, so the bundle's
 * checksums stay valid. The new manifest is written to a dot-file in the bundle directory and
 * moved over the old one atomically, so a reader sees the old or the new manifest, never half.
 */
public final class ManifestEvaluation {
    private ManifestEvaluation() {}

    public static void write(Path bundleDir, JsonNode evaluation) throws IOException {
        Path manifest = bundleDir.resolve(Manifest.FILE_NAME);
        JsonNode root = Json.MAPPER.readTree(manifest.toFile());
        if (root == null || !root.isObject()) throw new IOException(manifest + " is not a JSON object");
        ((ObjectNode) root).set("evaluation", evaluation);
        AtomicFiles.write(manifest, Json.MAPPER.writeValueAsBytes(root));
    }
}
