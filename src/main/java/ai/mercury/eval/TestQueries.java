package ai.mercury.eval;

import ai.mercury.data.Basket;
import ai.mercury.data.Dataset;
import ai.mercury.data.TimeSplit;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Builds the protocol's test queries from a dataset and its split, in basket order (time, then
 * file position); for a new user's basket the context query comes before the first-item query.
 *
 * <ul>
 *   <li>prior(u, t) = u's baskets (fit or test) with time strictly before t;</li>
 *   <li>warm: prior non-empty; history = prior's items, most recent basket first (equal times:
 *       later in the file first), within a basket in basket order, first occurrence kept, capped;</li>
 *   <li>cold_user_context: prior empty; no history; targets = the basket;</li>
 *   <li>cold_user_first_item: prior empty and |B| ≥ 2; history = [B's first item]; targets = the rest.</li>
 * </ul>
 * Stateless.
 */
public final class TestQueries {
    private TestQueries() {}

    public static List<EvalQuery> build(Dataset data, TimeSplit split, int historyCap) {
        Map<String, List<Basket>> byUser = new HashMap<>();
        for (Basket b : data.baskets()) byUser.computeIfAbsent(b.userId(), u -> new ArrayList<>()).add(b);
        Set<String> cold = split.coldItems();
        List<EvalQuery> out = new ArrayList<>();
        for (Basket b : split.test()) {
            if (b.items().isEmpty()) continue;
            List<Basket> prior = prior(byUser.get(b.userId()), b);
            if (!prior.isEmpty()) {
                out.add(query(out.size(), Slice.WARM, b, history(prior, historyCap), b.items(), cold));
            } else {
                out.add(query(out.size(), Slice.COLD_USER_CONTEXT, b, List.of(), b.items(), cold));
                if (b.items().size() >= 2) {
                    out.add(query(out.size(), Slice.COLD_USER_FIRST_ITEM, b, List.of(b.items().get(0)),
                            b.items().subList(1, b.items().size()), cold));
                }
            }
        }
        return out;
    }

    /** The user's baskets strictly before {@code b}'s time. */
    static List<Basket> prior(List<Basket> userBaskets, Basket b) {
        List<Basket> prior = new ArrayList<>();
        for (Basket p : userBaskets) {
            if (p.time().isBefore(b.time())) prior.add(p);
        }
        return prior;
    }

    /** Items of {@code prior}: most recent basket first, equal times later-in-file first; distinct; capped. */
    static List<String> history(List<Basket> prior, int cap) {
        List<Basket> ordered = new ArrayList<>(prior);
        ordered.sort(Comparator.comparing(Basket::time).thenComparingLong(Basket::firstRow).reversed());
        LinkedHashSet<String> items = new LinkedHashSet<>();
        for (Basket p : ordered) {
            for (String item : p.items()) {
                if (items.size() == cap) return new ArrayList<>(items);
                items.add(item);
            }
        }
        return new ArrayList<>(items);
    }

    private static EvalQuery query(int index, Slice slice, Basket b, List<String> history, List<String> targets, Set<String> cold) {
        List<String> coldTargets = targets.stream().filter(cold::contains).toList();
        return new EvalQuery(index, slice, b.basketId(), b.userId(), b.time(), b.context(), history, targets, coldTargets);
    }
}
