package ai.mercury.lifecycle;

import ai.mercury.model.Snapshot;

import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Snapshots swapped out but possibly still in use by requests. A retired snapshot closes itself on
 * its last release; this only watches: it counts the ones still open and reports, once each, a
 * snapshot still referenced {@code leakWarnMs} after its retirement (a request that never
 * released it keeps its native sessions open). Thread-safe.
 */
final class RetiredSnapshots {
    private static final System.Logger LOG = System.getLogger(RetiredSnapshots.class.getName());

    private record Retired(Snapshot snapshot, long retiredAtNanos, AtomicBoolean reported) {}

    private final Queue<Retired> retired = new ConcurrentLinkedQueue<>();
    private final long leakWarnMs;
    private final Runnable onLeak;

    RetiredSnapshots(long leakWarnMs, Runnable onLeak) {
        this.leakWarnMs = leakWarnMs;
        this.onLeak = onLeak;
    }

    void add(Snapshot s) {
        retired.add(new Retired(s, System.nanoTime(), new AtomicBoolean()));
    }

    /** Retired snapshots whose native resources are still open. */
    int open() {
        int open = 0;
        for (Retired r : retired) {
            if (!r.snapshot().isClosed()) open++;
        }
        return open;
    }

    /** Forgets the closed ones and reports the leaked ones (each once). */
    void check() {
        long now = System.nanoTime();
        for (Retired r : retired) {
            long ageMs = (now - r.retiredAtNanos()) / 1_000_000;
            if (r.snapshot().isClosed()) {
                retired.remove(r);
            } else if (ageMs >= leakWarnMs && r.reported().compareAndSet(false, true)) {
                onLeak.run();
                LOG.log(System.Logger.Level.WARNING, "leak: snapshot " + r.snapshot().version() + " was retired " + ageMs
                        + " ms ago and still holds " + r.snapshot().references() + " reference(s); a request has not released it,"
                        + " so its ONNX sessions stay open");
            }
        }
    }
}
