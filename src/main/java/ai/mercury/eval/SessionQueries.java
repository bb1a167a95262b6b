package ai.mercury.eval;

import ai.mercury.config.MercuryConfig;
import ai.mercury.data.Basket;
import ai.mercury.data.Dataset;
import ai.mercury.data.TimeSplit;
import ai.mercury.events.Event;
import ai.mercury.events.SessionStore;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The in-session slice's queries: for each test basket of a cold user (no basket strictly before
 * it) with at least {@link #MIN_BASKET} items, its first 1, 2 and 3 items are fed one by one as
 * {@code view} events of a fresh session into a real {@link SessionStore} (the server's, with the
 * documented {@code sessions.*} defaults), and after the n-th event the store's
 * {@link SessionStore#lookup} (the call {@code /recommend} makes for a {@code session_id}) gives
 * the history of the {@code session_n} query; its targets are the basket's items after the first
 * n. The same baskets serve all three prefix lengths, so the figures compare across n. What is left
 * out of the server path: JSON parsing and the event log (neither changes the history). Stateless.
 */
public final class SessionQueries {
    /** Three prefix events and at least one item left to find. */
    public static final int MIN_BASKET = Slice.SESSIONS.size() + 1;

    private SessionQueries() {}

    /**
     * @param catalog    the items the store may put into a history (the server's check that an item exists)
     * @param firstIndex the index of the first session query (after the protocol's queries, so the random baseline's seeds differ)
     */
    public static List<EvalQuery> build(Dataset data, TimeSplit split, Set<String> catalog, int firstIndex) {
        MercuryConfig defaults = MercuryConfig.load(null, Map.of(), Map.of());
        SessionStore store = new SessionStore(defaults.sessions(), defaults.events().types());
        Map<String, List<Basket>> byUser = new HashMap<>();
        for (Basket b : data.baskets()) byUser.computeIfAbsent(b.userId(), u -> new ArrayList<>()).add(b);
        Set<String> cold = split.coldItems();
        List<EvalQuery> out = new ArrayList<>();
        long now = System.currentTimeMillis();
        for (Basket b : split.test()) {
            if (b.items().size() < MIN_BASKET || !TestQueries.prior(byUser.get(b.userId()), b).isEmpty()) continue;
            String session = "eval-" + b.basketId();
            for (int n = 1; n <= Slice.SESSIONS.size(); n++) {
                store.record(new Event("view", session, null, b.items().get(n - 1), now, now, Map.of(), null, null), b.items().get(n - 1));
                List<String> history = store.lookup(session, null, List.of(), MercuryConfig.DEFAULT_MAX_HISTORY, catalog::contains, false).history();
                List<String> targets = b.items().subList(n, b.items().size());
                out.add(new EvalQuery(firstIndex + out.size(), Slice.SESSIONS.get(n - 1), b.basketId(), b.userId(), b.time(), b.context(),
                        history, targets, targets.stream().filter(cold::contains).toList()));
            }
            store.forgetSession(session);
        }
        return out;
    }
}
