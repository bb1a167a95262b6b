package ai.mercury.eval;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One test request and what it should retrieve. {@code history} is most recent first (empty for
 * context-only requests); {@code targets} the basket's items the request should find;
 * {@code coldTargets} those of them that are cold items (the cold_item slice). {@code index} is the
 * query's position in the protocol's query list (it seeds the random baseline). Immutable.
 */
public record EvalQuery(int index, Slice slice, String basketId, String userId, Instant time, Map<String, String> context,
                        List<String> history, List<String> targets, List<String> coldTargets) {
    public EvalQuery {
        if (!Slice.REQUESTS.contains(slice) && !Slice.SESSIONS.contains(slice)) {
            throw new IllegalArgumentException("a query's slice is a request or session slice, not " + slice);
        }
        context = Map.copyOf(context);
        history = List.copyOf(history);
        targets = List.copyOf(targets);
        coldTargets = List.copyOf(coldTargets);
        if (targets.isEmpty()) throw new IllegalArgumentException("query " + index + " has no targets");
    }
}
