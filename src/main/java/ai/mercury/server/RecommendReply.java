package ai.mercury.server;

import ai.mercury.model.Recommendation;

/**
 * What the inference side answers: a recommendation (with the {@code Snapshot.cacheEpoch()} of the
 * snapshot it was computed on, read before computing) or an API error.
 */
record RecommendReply(Recommendation result, long cacheEpoch, ApiException error) {
    static RecommendReply ok(Recommendation r, long cacheEpoch) {
        return new RecommendReply(r, cacheEpoch, null);
    }

    static RecommendReply failed(ApiException e) {
        return new RecommendReply(null, 0, e);
    }
}
