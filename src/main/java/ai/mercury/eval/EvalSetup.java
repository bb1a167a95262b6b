package ai.mercury.eval;

import ai.mercury.data.Basket;
import ai.mercury.data.Dataset;
import ai.mercury.data.DatasetConfig;
import ai.mercury.data.ItemRecord;
import ai.mercury.data.TimeSplit;

import java.util.EnumMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Everything the protocol fixes before any method runs: the dataset, its split, the catalog (every
 * item), the cold items, the test queries and the in-session slice's queries ({@link SessionQueries},
 * scored apart: they do not enter cold_item or ANN recall). Immutable.
 */
public record EvalSetup(DatasetConfig config, Dataset data, TimeSplit split, Set<String> catalog, List<EvalQuery> queries,
                        List<EvalQuery> sessionQueries) {

    public static EvalSetup prepare(Dataset data, DatasetConfig config) {
        TimeSplit split = TimeSplit.of(data, config);
        Set<String> catalog = new LinkedHashSet<>();
        for (ItemRecord i : data.items()) catalog.add(i.itemId());
        List<EvalQuery> queries = TestQueries.build(data, split, config.evaluation().historyCap());
        List<EvalQuery> sessions = SessionQueries.build(data, split, catalog, queries.size());
        return new EvalSetup(config, data, split, java.util.Collections.unmodifiableSet(catalog), queries, sessions);
    }

    public int users() {
        Set<String> users = new HashSet<>();
        for (Basket b : data.baskets()) users.add(b.userId());
        return users.size();
    }

    /** Queries per slice; cold_item counts the queries with at least one cold target. */
    public Map<Slice, Integer> queryCounts() {
        Map<Slice, Integer> counts = new EnumMap<>(Slice.class);
        for (Slice s : Slice.values()) counts.put(s, 0);
        for (EvalQuery q : queries) {
            counts.merge(q.slice(), 1, Integer::sum);
            if (!q.coldTargets().isEmpty()) counts.merge(Slice.COLD_ITEM, 1, Integer::sum);
        }
        for (EvalQuery q : sessionQueries) counts.merge(q.slice(), 1, Integer::sum);
        return counts;
    }

    /** The self-check figures of PROTOCOL.md in one line. */
    public String summary() {
        Map<Slice, Integer> c = queryCounts();
        return String.format(java.util.Locale.ROOT,
                "%,d kept rows; %,d catalog items, %,d cold; %,d users; %,d fit and %,d test baskets; "
                        + "%,d warm, %,d cold_user_context, %,d cold_user_first_item queries, %,d with a cold-item target; "
                        + "%,d cold-user baskets of >= %d items for the session slices",
                data.report().rowsKept(), catalog.size(), split.coldItems().size(), users(), split.fit().size(), split.test().size(),
                c.get(Slice.WARM), c.get(Slice.COLD_USER_CONTEXT), c.get(Slice.COLD_USER_FIRST_ITEM), c.get(Slice.COLD_ITEM),
                c.get(Slice.SESSION_1), SessionQueries.MIN_BASKET);
    }
}
