package ai.mercury.model;

import ai.mercury.feature.UserContext;

import java.util.Objects;

/** One validated request: who (context, history, query), how many, and which items qualify. */
public record RecommendQuery(UserContext user, int k, Filters filters) {
    public RecommendQuery {
        Objects.requireNonNull(user, "user");
        if (k < 1) throw new IllegalArgumentException("k must be >= 1");
        if (filters == null) filters = Filters.NONE;
    }
}
