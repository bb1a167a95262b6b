package ai.mercury.bench;

import ai.mercury.config.EventsConfig;
import ai.mercury.config.SessionsConfig;
import ai.mercury.events.Event;
import ai.mercury.events.SessionStore;

import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Heap per session of the {@link SessionStore}, and the CPU cost of the lookup that
 * {@code /recommend} by session id adds. Run:
 * {@code java -cp target/classes:target/test-classes:$(cat cp.txt) ai.mercury.bench.SessionMemoryProbe [sessions] [events per session]}.
 * Item ids come from a 4,000-item catalog and are shared strings, as the server shares the catalog's.
 */
public final class SessionMemoryProbe {
    public static void main(String[] args) {
        int sessions = args.length > 0 ? Integer.parseInt(args[0]) : 100_000;
        int perSession = args.length > 1 ? Integer.parseInt(args[1]) : 50;
        String[] catalog = new String[4000];
        for (int i = 0; i < catalog.length; i++) catalog[i] = "ITEM" + (10000 + i);
        long before = usedAfterGc();
        SessionStore store = new SessionStore(new SessionsConfig(sessions, perSession, 3_600_000, EventsConfig.BUILT_IN_TYPES), EventsConfig.BUILT_IN_TYPES);
        long now = System.currentTimeMillis();
        java.util.Random random = new java.util.Random(1);
        for (int s = 0; s < sessions; s++) {
            String session = "session-" + java.util.UUID.randomUUID();
            for (int i = 0; i < perSession; i++) {
                String item = catalog[random.nextInt(catalog.length)];
                store.record(new Event("view", session, null, item, now, now, Map.of(), null, null), item);
            }
        }
        long after = usedAfterGc();
        System.out.printf("%d sessions x %d events: %.1f MB, %.0f bytes per session (held %d)%n", sessions, perSession,
                (after - before) / 1e6, (after - before) / (double) sessions, store.sessionCount());

        // Lookup cost: the extra work of /recommend by session id over an explicit history.
        String probe = "probe";
        for (int i = 0; i < perSession; i++) store.record(new Event("view", probe, null, catalog[i], now, now, Map.of(), null, null), catalog[i]);
        Set<String> known = Set.of(catalog);
        long sink = 0;
        for (int round = 0; round < 5; round++) {
            int n = 200_000;
            long t0 = System.nanoTime();
            for (int i = 0; i < n; i++) sink += store.lookup(probe, null, List.of(), 200, known::contains, false).history().size();
            long t1 = System.nanoTime();
            System.out.printf("lookup of a %d-event session: %.2f us%n", perSession, (t1 - t0) / 1e3 / n);
        }
        System.out.println(sink > 0 ? "" : "?");
        if (store.sessionCount() < 0) System.out.println(store);
    }

    private static long usedAfterGc() {
        Runtime rt = Runtime.getRuntime();
        for (int i = 0; i < 3; i++) {
            System.gc();
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        return rt.totalMemory() - rt.freeMemory();
    }
}
