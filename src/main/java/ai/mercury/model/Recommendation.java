package ai.mercury.model;

import ai.mercury.core.CatalogItem;

import java.util.List;

/** The answer to one request, computed on one snapshot. */
public record Recommendation(
        String modelVersion,
        List<ScoredItem> items,
        List<String> unknownHistory,
        long encodeNanos,
        long inferenceNanos,
        long searchNanos,
        String indexKind) {

    public record ScoredItem(CatalogItem item, float score) {}
}
