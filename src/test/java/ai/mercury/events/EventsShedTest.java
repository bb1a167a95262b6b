package ai.mercury.events;

import ai.mercury.config.MercuryConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code events.max_pending}: past it a batch is shed (and counted) instead of queued behind a stuck writer. */
class EventsShedTest {
    private static List<Event> batch(String session, int n) {
        List<Event> events = new ArrayList<>();
        for (int i = 0; i < n; i++) events.add(EventLogTest.event(session, "I" + i));
        return events;
    }

    @Test
    void aBatchPastMaxPendingIsShedAndCounted_andAcceptedAgainOnceTheWriterCatchesUp(@TempDir Path dir) throws Exception {
        MercuryConfig config = MercuryConfig.load(null, Map.of(), Map.of("events.dir", dir.toString(),
                "events.max_batch", "100", "events.max_pending", "100"));
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch writerHolds = new CountDownLatch(1);
        // The listener runs on the writer thread: holding it there stands for a slow disk.
        Events.Listener stuck = (type, version) -> {
            writerHolds.countDown();
            try {
                release.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        };
        try (Events events = new Events(config.events(), config.sessions(), new RecommendationIds(), id -> id, stuck)) {
            assertFalse(events.shedWhenBehind(100), "an idle writer takes a full batch");
            CompletableFuture<Void> first = events.ingest(batch("a", 100), false);
            assertTrue(writerHolds.await(10, TimeUnit.SECONDS), "the writer took the first batch");
            CompletableFuture<Void> second = events.ingest(batch("b", 60), false); // waits: 60 pending
            assertFalse(events.shedWhenBehind(40), "60 + 40 is within max_pending");
            assertTrue(events.shedWhenBehind(41), "60 + 41 passes max_pending");
            assertEquals(41, events.shedCount());
            release.countDown();
            first.get(10, TimeUnit.SECONDS);
            second.get(10, TimeUnit.SECONDS);
            assertFalse(events.shedWhenBehind(100), "the writer caught up");
            assertEquals(41, events.shedCount(), "only the shed batch is counted");
        }
    }
}
