package ai.mercury.server;

import ai.mercury.model.Recommendation;

/** What the inference worker answers over the event bus: a recommendation or an API error. */
record RecommendReply(Recommendation result, ApiException error) {
    static RecommendReply ok(Recommendation r) {
        return new RecommendReply(r, null);
    }

    static RecommendReply failed(ApiException e) {
        return new RecommendReply(null, e);
    }
}
