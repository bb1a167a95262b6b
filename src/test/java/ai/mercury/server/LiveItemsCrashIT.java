package ai.mercury.server;

import ai.mercury.testing.FixtureBundle;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Durability of live writes: the server jar in a child process takes a stream of upserts from
 * four clients, is killed with SIGKILL mid-stream, and restarted on the same journal. Every write
 * it acknowledged must be served whole; a write in flight at the kill is either whole or absent.
 */
class LiveItemsCrashIT {
    private static final String TOKEN = "crash-test-token";
    private static final int WRITERS = 4;
    private static final int ACKS_BEFORE_KILL = 400;

    private static JsonObject item(String id) {
        return new JsonObject().put("title", "Hand-made product " + id + " with a long enough title").put("price", Math.floorMod(id.hashCode(), 1000) / 10.0 + 1)
                .put("category", "home").put("description", "d".repeat(200) + id);
    }

    /**
     * The server loaded ONNX Runtime from the native cache, so a kill leaves nothing in /tmp: left to
     * itself, ONNX Runtime copies 20 MB there per start and only a clean exit would remove them.
     */
    private static void assertOnnxRuntimeFromTheCache(ServerProcess server) throws Exception {
        Assumptions.assumeTrue(Files.isDirectory(Path.of("/proc/self")), "no /proc here: cannot see which library file the server mapped");
        Path library = server.mappedLibrary("libonnxruntime.so");
        assertNotNull(library, "the server has not mapped ONNX Runtime");
        Path cache = ServerProcess.nativeCache().toAbsolutePath().normalize();
        assertTrue(library.startsWith(cache), "ONNX Runtime loaded from " + library + ", not from the cache " + cache);
    }

    @Test
    void everyAcknowledgedWriteSurvivesSigkillAndNothingPartialAppears(@TempDir Path artifacts, @TempDir Path journal, @TempDir Path logs) throws Exception {
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
                        String id = "W" + writer + "-" + n;
                        attempted.add(id);
                        try {
                            HttpResponse<String> r = first.send("PUT", "/items/" + id, TOKEN, item(id).encode());
                            if (r.statusCode() == 201) acked.add(id);
                            else if (!killed.get()) synchronized (unexpected) { unexpected.add(new AssertionError(r.statusCode() + " " + r.body())); }
                        } catch (Exception e) {
                            if (!killed.get()) synchronized (unexpected) { unexpected.add(e); }
                        }
                    }
                });
            }
            while (acked.size() < ACKS_BEFORE_KILL && unexpected.isEmpty()) Thread.sleep(5);
            assertOnnxRuntimeFromTheCache(first);
            killed.set(true);
            first.kill(); // writes are in flight right now
            writers.shutdown();
            assertTrue(writers.awaitTermination(30, TimeUnit.SECONDS));
        }
        assertEquals(List.of(), unexpected, "every write before the kill was acknowledged");

        try (ServerProcess second = ServerProcess.start(artifacts, journal, TOKEN, logs).awaitReady(Duration.ofSeconds(90))) {
            int inFlightPresent = 0;
            for (String id : attempted) {
                HttpResponse<String> r = second.get("/items/" + id);
                if (acked.contains(id)) assertEquals(200, r.statusCode(), "acknowledged " + id + " lost");
                if (r.statusCode() == 200) {
                    JsonObject item = new JsonObject(r.body()).getJsonObject("item");
                    JsonObject expected = item(id);
                    assertEquals(expected.getString("title"), item.getString("title"), id);
                    assertEquals(expected.getDouble("price"), item.getDouble("price"), 1e-9, id);
                    assertEquals(expected.getString("description"), item.getString("description"), id);
                    if (!acked.contains(id)) inFlightPresent++;
                } else {
                    assertEquals(404, r.statusCode(), r.body());
                }
            }
            // And they are served: a k = everything request returns the bundle's items plus every surviving write.
            HttpResponse<String> rec = second.send("POST", "/recommend", null, new JsonObject().put("k", 1000).encode());
            int served = new JsonObject(rec.body()).getJsonArray("items").size();
            assertEquals(FixtureBundle.ITEMS.size() + acked.size() + inFlightPresent, served);
            System.out.printf("crash test: %d acknowledged, %d attempted, %d in flight at the kill also present%n",
                    acked.size(), attempted.size(), inFlightPresent);
        }
    }
}
