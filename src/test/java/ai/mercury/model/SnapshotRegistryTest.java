package ai.mercury.model;

import ai.mercury.testing.FixtureBundle;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SnapshotRegistryTest {
    static Snapshot load(Path dir) throws Exception {
        return SnapshotLoader.load(dir, new SnapshotLoader.Options(ai.mercury.index.IndexParams.DEFAULTS, 1, 1, null), line -> { });
    }

    @Test
    void acquire_empty_returnsNull() {
        assertNull(new SnapshotRegistry().acquire());
    }

    @Test
    void publish_retiresPrevious_whichClosesOnLastRelease(@TempDir Path artifacts) throws Exception {
        Path dir = FixtureBundle.copyTo(artifacts);
        SnapshotRegistry registry = new SnapshotRegistry();
        Snapshot first = load(dir);
        registry.publish(first);
        Snapshot inFlight = registry.acquire();
        assertSame(first, inFlight);

        Snapshot second = load(dir);
        registry.publish(second);
        assertTrue(first.isRetired());
        assertFalse(first.isClosed(), "a request still holds the old snapshot");
        assertSame(second, registry.acquire(), "new requests get the new snapshot");
        // the in-flight request can still use its towers
        assertEquals(8, Recommender.recommend(inFlight, query()).items().size());
        inFlight.release();
        assertTrue(first.isClosed(), "the last release closes the retired snapshot");
        assertThrows(IllegalStateException.class, () -> Recommender.recommend(first, query()), "its sessions are closed");
        assertFalse(first.tryAcquire(), "a closed snapshot cannot be acquired");
        second.release();
        registry.clear();
        assertTrue(second.isClosed());
    }

    @Test
    void swapsUnderConcurrentRequests_neverServeAClosedSnapshot(@TempDir Path artifacts) throws Exception {
        Path dir = FixtureBundle.copyTo(artifacts);
        SnapshotRegistry registry = new SnapshotRegistry();
        registry.publish(load(dir));
        List<Snapshot> all = new ArrayList<>(List.of(registry.peek()));
        AtomicBoolean stop = new AtomicBoolean();
        AtomicInteger served = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(4);
        List<Future<?>> clients = new ArrayList<>();
        for (int c = 0; c < 4; c++) {
            clients.add(pool.submit(() -> {
                while (!stop.get()) {
                    Snapshot s = registry.acquire();
                    try {
                        assertFalse(s.isClosed());
                        assertEquals(8, Recommender.recommend(s, query()).items().size());
                        served.incrementAndGet();
                    } finally {
                        s.release();
                    }
                }
                return null;
            }));
        }
        for (int swap = 0; swap < 5; swap++) {
            Snapshot next = load(dir);
            all.add(next);
            registry.publish(next);
            long until = System.nanoTime() + 50_000_000L;
            while (System.nanoTime() < until) Thread.onSpinWait();
        }
        stop.set(true);
        for (Future<?> f : clients) f.get(); // rethrows any assertion from a client
        pool.shutdown();
        assertTrue(served.get() > 0);
        for (int i = 0; i < all.size() - 1; i++) assertTrue(all.get(i).isClosed(), "retired snapshot " + i + " closed");
        assertFalse(all.get(all.size() - 1).isClosed(), "the current one stays open");
        registry.clear();
        assertTrue(all.get(all.size() - 1).isClosed());
    }

    static RecommendQuery query() {
        return new RecommendQuery(new ai.mercury.feature.UserContext(java.util.Map.of("country", "France"),
                java.time.Instant.parse("2011-11-04T09:30:00Z"), List.of("A001"), null), 8, Filters.NONE);
    }
}
