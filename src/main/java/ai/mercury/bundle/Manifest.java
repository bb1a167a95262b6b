package ai.mercury.bundle;

import ai.mercury.core.TextEncoderInfo;

import ai.mercury.core.TowerInput;
import ai.mercury.feature.FeatureSpec;
import com.fasterxml.jackson.databind.JsonNode;

import java.util.List;
import java.util.Map;

/**
 * {@code manifest.json} of a {@code mercury-bundle/1} directory; see docs/bundle-format.md.
 * {@code training} and {@code evaluation} are free-form JSON written by the trainer and evaluator.
 */
public record Manifest(
        String format,
        String version,
        String createdAt,
        int embeddingDim,
        String metric,
        TextEncoderInfo textEncoder,
        FeatureSpec featureSpec,
        Towers towers,
        Map<String, FileEntry> files,
        JsonNode training,
        JsonNode evaluation) {

    public static final String FORMAT = "mercury-bundle/1";
    public static final String FILE_NAME = "manifest.json";
    public static final String USER_TOWER = "user_tower.onnx";
    public static final String ITEM_TOWER = "item_tower.onnx";
    public static final String ITEMS = "items.jsonl";
    public static final String ITEM_VECTORS = "item_vectors.npy";
    public static final String HNSW_INDEX = "index.hnsw";
    public static final List<String> REQUIRED_FILES = List.of(USER_TOWER, ITEM_TOWER, ITEMS, ITEM_VECTORS);
    public static final String USER_OUTPUT = "user_embedding";
    public static final String ITEM_OUTPUT = "item_embedding";

    /** One served ONNX tower: its file, its output name and (for readers in other languages) its inputs. */
    public record TowerFile(String file, List<TowerInput> inputs, String output) {}

    public record Towers(TowerFile user, TowerFile item) {}

    /** Size in bytes and lowercase hex sha256 of a bundle file. */
    public record FileEntry(long size, String sha256) {}
}
