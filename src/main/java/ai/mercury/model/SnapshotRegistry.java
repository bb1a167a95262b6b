package ai.mercury.model;

import java.util.concurrent.atomic.AtomicReference;

/**
 * The one place the current {@link Snapshot} is published. Swapping is a single atomic set; the
 * replaced snapshot is retired and closes when its last request releases it. Thread-safe.
 */
public final class SnapshotRegistry {
    private final AtomicReference<Snapshot> current = new AtomicReference<>();

    /**
     * Acquires the current snapshot for one request, or returns null when none is loaded. The
     * caller must {@link Snapshot#release()} it exactly once.
     */
    public Snapshot acquire() {
        while (true) {
            Snapshot s = current.get();
            if (s == null) return null;
            if (s.tryAcquire()) {
                if (!s.isRetired()) return s;
                s.release(); // swapped meanwhile: serve the successor, let the old one drain
            }
            // s was retired between get() and tryAcquire(): the registry already holds its successor
        }
    }

    /** The current snapshot without taking a reference: for metrics and status only. */
    public Snapshot peek() {
        return current.get();
    }

    /** Makes {@code next} current and retires the previous snapshot, which is returned. */
    public Snapshot publish(Snapshot next) {
        Snapshot previous = current.getAndSet(next);
        if (previous != null && previous != next) previous.retire();
        return previous;
    }

    /** Retires the current snapshot (at shutdown). */
    public void clear() {
        Snapshot previous = current.getAndSet(null);
        if (previous != null) previous.retire();
    }
}
