package ai.mercury.eval;

import ai.mercury.feature.UserContext;
import ai.mercury.model.Filters;
import ai.mercury.model.RecommendQuery;
import ai.mercury.model.Recommendation;
import ai.mercury.model.Recommender;
import ai.mercury.model.Snapshot;

import java.util.ArrayList;
import java.util.List;

/**
 * A bundle's model through the serving path: each query becomes a {@link RecommendQuery} (context,
 * timestamp, history, no query text, no filters) answered by {@link Recommender#recommend} on the
 * snapshot, the code the server's inference worker runs. Thread-safe (the snapshot is). Does not
 * own the snapshot: the caller retires it.
 */
public final class ModelRanker implements Ranker {
    private final String name;
    private final Snapshot snapshot;

    public ModelRanker(String name, Snapshot snapshot) {
        this.name = name;
        this.snapshot = snapshot;
    }

    @Override
    public String name() {
        return name;
    }

    public Snapshot snapshot() {
        return snapshot;
    }

    /** The request the server would receive for {@code q}. */
    public static RecommendQuery request(EvalQuery q, int k) {
        return new RecommendQuery(new UserContext(q.context(), q.time(), q.history(), null), k, Filters.NONE);
    }

    @Override
    public List<String> rank(EvalQuery q, int k) {
        Recommendation r = Recommender.recommend(snapshot, request(q, k));
        List<String> ids = new ArrayList<>(r.items().size());
        for (Recommendation.ScoredItem item : r.items()) ids.add(item.item().itemId());
        return ids;
    }
}
