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
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code events.max_pending}: past it a batch is shed (and counted) instead of queued behind a stuck writer. */
class EventsShedTest {
    private static List<Event> batch(String session, int n) {
        List<Event> events = new ArrayList<>();
        for (int i = 0; i < n; i++) events.add(EventLogTest.event(session, "I" + i));
        return events;
    }

    /** The listener runs on the writer thread: holding it there stands for a slow disk. */
    private static Events.Listener stuckUntil(CountDownLatch release, CountDownLatch writerHolds) {
        return (type, version) -> {
            writerHolds.countDown();
            try {
                release.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        };
    }

    private static MercuryConfig config(Path dir, int maxPending) {
        return MercuryConfig.load(null, Map.of(), Map.of("events.dir", dir.toString(),
                "events.max_batch", "100", "events.max_pending", String.valueOf(maxPending)));
    }

    @Test
    void aBatchPastMaxPendingIsShedAndCounted_andAcceptedAgainOnceTheWriterCatchesUp(@TempDir Path dir) throws Exception {
        MercuryConfig config = config(dir, 100);
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch writerHolds = new CountDownLatch(1);
        try (Events events = new Events(config.events(), config.sessions(), new RecommendationIds(), id -> id, stuckUntil(release, writerHolds))) {
            CompletableFuture<Void> first = events.ingest(batch("a", 100), false);
            assertNotNull(first, "an idle writer takes a full batch");
            assertTrue(writerHolds.await(10, TimeUnit.SECONDS), "the writer took the first batch");
            CompletableFuture<Void> second = events.ingest(batch("b", 60), false); // waits: 60 pending
            assertNotNull(second, "60 is within max_pending");
            assertNull(events.ingest(batch("c", 41), false), "60 + 41 passes max_pending");
            CompletableFuture<Void> third = events.ingest(batch("d", 40), false);
            assertNotNull(third, "60 + 40 is within max_pending");
            assertEquals(41, events.shedCount());
            release.countDown();
            for (CompletableFuture<Void> f : List.of(first, second, third)) f.get(10, TimeUnit.SECONDS);
            CompletableFuture<Void> afterCatchUp = events.ingest(batch("e", 100), true);
            assertNotNull(afterCatchUp, "the writer caught up");
            afterCatchUp.get(10, TimeUnit.SECONDS);
            assertEquals(41, events.shedCount(), "only the shed batch is counted");
            assertEquals(4, events.store().sessionCount(), "the logged batches reached the sessions, the shed one not");
        }
        assertEquals(300, EventLogReader.liveEvents(dir).size(), "100 + 60 + 40 + 100 logged, the shed 41 not");
    }

    @Test
    void threadsIngestingTogetherNeverPassMaxPending(@TempDir Path dir) throws Exception {
        MercuryConfig config = config(dir, 1_000);
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch writerHolds = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try (Events events = new Events(config.events(), config.sessions(), new RecommendationIds(), id -> id, stuckUntil(release, writerHolds))) {
            assertNotNull(events.ingest(batch("hold", 1), false));
            assertTrue(writerHolds.await(10, TimeUnit.SECONDS), "the writer is held");
            List<Future<?>> ingesting = new ArrayList<>();
            CountDownLatch go = new CountDownLatch(1);
            for (int t = 0; t < 8; t++) {
                int thread = t;
                ingesting.add(pool.submit(() -> {
                    go.await();
                    for (int i = 0; i < 50; i++) events.ingest(batch("t" + thread, 30), false);
                    return null;
                }));
            }
            go.countDown();
            for (Future<?> f : ingesting) f.get(30, TimeUnit.SECONDS);
            // 8 threads offered 12,000 events against a bound of 1,000 waiting: exactly 33 batches of 30 fit.
            assertEquals(12_000 - 33 * 30, events.shedCount());
            release.countDown();
        } finally {
            pool.shutdownNow();
        }
    }
}
