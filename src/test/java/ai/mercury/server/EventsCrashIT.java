package ai.mercury.server;

import ai.mercury.events.Event;
import ai.mercury.events.EventLogReader;
import ai.mercury.testing.FixtureBundle;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Durability of events: the server jar in a child process takes batches of events from four
 * clients, is killed with SIGKILL mid-stream and restarted on the same event log. Every event it
 * acknowledged must be in the log and in the rebuilt sessions; a batch in flight at the kill is
 * whole or absent, never torn.
 */
class EventsCrashIT {
    private static final String TOKEN = "events-crash-token";
    private static final int WRITERS = 4;
    private static final int BATCH = 20;
    private static final int ACKED_BATCHES_BEFORE_KILL = 150;

    /** Session {@code c<writer>-<n>} gets one batch: BATCH view events, item ids cycling over the fixture. */
    private static JsonObject batch(String session) {
        JsonArray events = new JsonArray();
        for (int i = 0; i < BATCH; i++) {
            events.add(new JsonObject().put("event_type", "view").put("session_id", session)
                    .put("item_id", FixtureBundle.ITEMS.get(i % FixtureBundle.ITEMS.size()).itemId()));
        }
        return new JsonObject().put("events", events);
    }

    @Test
    void everyAcknowledgedEventSurvivesSigkillInTheLogAndTheSessions(@TempDir Path artifacts, @TempDir Path journal, @TempDir Path logs) throws Exception {
        FixtureBundle.copyTo(artifacts);
        Set<String> acked = ConcurrentHashMap.newKeySet();
        Set<String> attempted = ConcurrentHashMap.newKeySet();
        List<Throwable> unexpected = new ArrayList<>();
        try (ServerProcess first = ServerProcess.start(artifacts, journal, TOKEN, logs).awaitReady(Duration.ofSeconds(90))) {
            AtomicBoolean killed = new AtomicBoolean();
            ExecutorService writers = Executors.newFixedThreadPool(WRITERS);
            for (int w = 0; w < WRITERS; w++) {
                int writer = w;
                writers.submit(() -> {
                    for (int n = 0; !killed.get(); n++) {
                        String session = "c" + writer + "-" + n;
                        attempted.add(session);
                        try {
                            HttpResponse<String> r = first.send("POST", "/events", null, batch(session).encode());
                            if (r.statusCode() == 200 && new JsonObject(r.body()).getInteger("accepted") == BATCH) acked.add(session);
                            else if (!killed.get()) synchronized (unexpected) { unexpected.add(new AssertionError(r.statusCode() + " " + r.body())); }
                        } catch (Exception e) {
                            if (!killed.get()) synchronized (unexpected) { unexpected.add(e); }
                        }
                    }
                });
            }
            while (acked.size() < ACKED_BATCHES_BEFORE_KILL && unexpected.isEmpty()) Thread.sleep(2);
            killed.set(true);
            first.kill(); // batches are in flight right now
            writers.shutdown();
            assertTrue(writers.awaitTermination(30, TimeUnit.SECONDS));
        }
        assertEquals(List.of(), unexpected, "every batch before the kill was acknowledged");

        // The log: every acknowledged batch whole; any other batch whole or absent.
        java.util.Map<String, Integer> perSession = new java.util.HashMap<>();
        for (Event e : EventLogReader.liveEvents(journal.resolve("events"))) perSession.merge(e.sessionId(), 1, Integer::sum);
        for (String s : acked) assertEquals(BATCH, perSession.getOrDefault(s, 0), "acknowledged batch " + s + " in the log");
        int inFlightPresent = 0;
        for (var e : perSession.entrySet()) {
            assertEquals(BATCH, e.getValue(), "batch " + e.getKey() + " is whole");
            if (!acked.contains(e.getKey())) inFlightPresent++;
        }
        try (ServerProcess second = ServerProcess.start(artifacts, journal, TOKEN, logs).awaitReady(Duration.ofSeconds(90))) {
            Set<String> missing = new HashSet<>();
            for (String s : acked) {
                HttpResponse<String> r = second.send("GET", "/sessions/" + s, TOKEN, null);
                if (r.statusCode() != 200 || new JsonObject(r.body()).getJsonArray("events").size() != BATCH) missing.add(s);
            }
            assertEquals(Set.of(), missing, "acknowledged sessions rebuilt after the restart");
            HttpResponse<String> rec = second.send("POST", "/recommend", null, new JsonObject().put("session_id", acked.iterator().next()).encode());
            assertEquals(200, rec.statusCode(), rec.body());
            assertEquals("session", new JsonObject(rec.body()).getJsonObject("history_used").getString("source"));
        }
        System.out.println("EventsCrashIT: " + acked.size() + " batches of " + BATCH + " acknowledged before SIGKILL, all in the log and the sessions; "
                + inFlightPresent + " in-flight batches also present (whole), " + (attempted.size() - acked.size() - inFlightPresent) + " absent");
    }
}
