package ai.mercury.eval;

import java.util.List;

/**
 * A method under evaluation: answers one query with its best {@code k} catalog item ids, best
 * first, distinct. Implementations are thread-safe (queries run on several threads at once).
 */
public interface Ranker {
    /** The method's name in reports (random, popularity, …, model). */
    String name();

    List<String> rank(EvalQuery query, int k);
}
