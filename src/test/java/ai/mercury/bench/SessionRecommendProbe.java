package ai.mercury.bench;

import ai.mercury.bundle.Bundle;
import ai.mercury.bundle.BundleReader;
import ai.mercury.config.MercuryConfig;
import ai.mercury.config.SessionsConfig;
import ai.mercury.core.CatalogItem;
import ai.mercury.events.Event;
import ai.mercury.events.SessionStore;
import ai.mercury.feature.TextEncoder;
import ai.mercury.feature.UserContext;
import ai.mercury.model.Catalog;
import ai.mercury.model.Filters;
import ai.mercury.model.RecommendQuery;
import ai.mercury.model.Recommender;
import ai.mercury.model.Snapshot;
import ai.mercury.model.SnapshotLoader;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * What {@code /recommend} by session id costs over the same request with the history sent
 * explicitly, in CPU time of the calling thread (ThreadMXBean: independent of how busy the machine
 * is). On the default bundle (Online Retail catalog, ONNX user tower, exact index) with a session
 * store of the default size limits holding {@code sessions} sessions of 50 events:
 * <ul>
 *   <li><b>lookup</b>: the work {@code EventRoutes.personalize} adds for a session id:
 *       {@link SessionStore#lookup} of a 50-event session against the snapshot's catalog, then the
 *       rebuilt {@link RecommendQuery}; the ranking that follows is the same call on the same history
 *       either way (SessionParityTest), so this is the difference;</li>
 *   <li><b>full</b>: {@link Recommender#recommend} with the explicit history (A) against lookup +
 *       recommend (B), interleaved in rounds, as a check that nothing else differs (noisier: the
 *       ranking's own CPU is ~100× the difference).</li>
 * </ul>
 * Run (after {@code mvn -o -q -B test-compile} and {@code mvn -o -q -B dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=target/bench-classpath.txt}):
 * {@code java --add-modules jdk.incubator.vector -cp target/test-classes:target/classes:$(cat target/bench-classpath.txt) ai.mercury.bench.SessionRecommendProbe [bundle dir] [sessions]}.
 * HTTP parsing is left out: the by-id body ({@code "session_id":"…"}) is shorter than the explicit one.
 */
public final class SessionRecommendProbe {
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args.length > 0 ? args[0] : "artifacts/20261206T210500Z");
        int sessions = args.length > 1 ? Integer.parseInt(args[1]) : 100_000;
        Bundle bundle = BundleReader.read(dir);
        TextEncoder noQuery = new NoQuery(bundle.manifest().textEncoder().name(), bundle.manifest().textEncoder().dim());
        Snapshot snapshot = SnapshotLoader.load(bundle, new SnapshotLoader.Options(ai.mercury.index.IndexParams.DEFAULTS, 1, 20, noQuery), line -> { });
        Catalog catalog = snapshot.catalog();
        List<String> ids = new ArrayList<>();
        for (CatalogItem i : bundle.items()) ids.add(i.itemId());

        MercuryConfig defaults = MercuryConfig.load(null, Map.of(), Map.of());
        SessionsConfig sc = defaults.sessions();
        SessionStore store = new SessionStore(sc, defaults.events().types());
        SplittableRandom random = new SplittableRandom(17);
        long now = System.currentTimeMillis();
        for (int s = 0; s < sessions; s++) {
            String session = "s" + s;
            for (int e = 0; e < sc.maxEvents(); e++) {
                String item = ids.get(random.nextInt(ids.size()));
                store.record(new Event(e % 4 == 0 ? "click" : "view", session, null, item, now, now, Map.of(), null, null), item);
            }
        }
        // probe sessions: their stored history is what the explicit requests send
        int probes = 512;
        List<List<String>> explicit = new ArrayList<>();
        String[] probeIds = new String[probes];
        for (int p = 0; p < probes; p++) {
            probeIds[p] = "s" + random.nextInt(sessions);
            explicit.add(store.lookup(probeIds[p], null, List.of(), MercuryConfig.DEFAULT_MAX_HISTORY, id -> catalog.ordinalOf(id) >= 0, false).history());
        }
        Map<String, String> context = Map.of("country", "United Kingdom");
        Instant time = Instant.parse("2011-11-15T10:00:00Z");
        System.out.printf(Locale.ROOT, "%s: %d items; %d sessions of %d events held; histories of %d items%n",
                bundle.version(), ids.size(), store.sessionCount(), sc.maxEvents(), explicit.get(0).size());

        long sink = 0;
        int lookups = 200_000;
        double[] lookupUs = new double[7];
        for (int round = 0; round < lookupUs.length; round++) {
            long t0 = THREADS.getCurrentThreadCpuTime();
            for (int i = 0; i < lookups; i++) sink += personalize(store, probeIds[i % probes], catalog, context, time).k();
            lookupUs[round] = (THREADS.getCurrentThreadCpuTime() - t0) / 1e3 / lookups;
        }
        Arrays.sort(lookupUs);
        System.out.printf(Locale.ROOT, "lookup + rebuilt query (the added work): median %.2f us CPU per request (rounds %s)%n",
                lookupUs[lookupUs.length / 2], Arrays.toString(round(lookupUs)));

        int perRound = 2000;
        int rounds = 14;
        double[] a = new double[rounds];
        double[] b = new double[rounds];
        for (int w = 0; w < 2000; w++) sink += Recommender.recommend(snapshot, query(explicit.get(w % probes), context, time)).items().size();
        for (int round = 0; round < rounds; round++) { // ABBA: the order alternates, so warming and drift cancel in the pairs
            boolean explicitFirst = round % 2 == 0;
            for (int half = 0; half < 2; half++) {
                boolean explicitNow = (half == 0) == explicitFirst;
                long t0 = THREADS.getCurrentThreadCpuTime();
                for (int i = 0; i < perRound; i++) {
                    RecommendQuery q = explicitNow ? query(explicit.get(i % probes), context, time) : personalize(store, probeIds[i % probes], catalog, context, time);
                    sink += Recommender.recommend(snapshot, q).items().size();
                }
                double us = (THREADS.getCurrentThreadCpuTime() - t0) / 1e3 / perRound;
                if (explicitNow) a[round] = us;
                else b[round] = us;
            }
        }
        double[] delta = new double[rounds];
        for (int i = 0; i < rounds; i++) delta[i] = b[i] - a[i];
        Arrays.sort(a);
        Arrays.sort(b);
        Arrays.sort(delta);
        System.out.printf(Locale.ROOT, "full recommend (k 100): explicit history median %.1f us CPU, by session id median %.1f us CPU, "
                + "paired difference median %.1f us (rounds %s)%n", a[rounds / 2], b[rounds / 2], delta[rounds / 2], Arrays.toString(round(delta)));
        if (sink == 42) System.out.println();
        snapshot.retire();
    }

    /** What EventRoutes.personalize does for a request with a session id and no explicit history. */
    private static RecommendQuery personalize(SessionStore store, String session, Catalog catalog, Map<String, String> context, Instant time) {
        SessionStore.Lookup l = store.lookup(session, null, List.of(), MercuryConfig.DEFAULT_MAX_HISTORY, id -> catalog.ordinalOf(id) >= 0, false);
        return query(l.history(), context, time);
    }

    private static RecommendQuery query(List<String> history, Map<String, String> context, Instant time) {
        return new RecommendQuery(new UserContext(context, time, history, null), 100, Filters.NONE);
    }

    private static double[] round(double[] v) {
        double[] out = new double[v.length];
        for (int i = 0; i < v.length; i++) out[i] = Math.round(v[i] * 100) / 100.0;
        return out;
    }

    private record NoQuery(String name, int dim) implements TextEncoder {
        @Override
        public float[] embed(String text) {
            throw new IllegalStateException("the probe's requests carry no query text");
        }
    }
}
