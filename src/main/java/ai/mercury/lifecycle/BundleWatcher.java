package ai.mercury.lifecycle;

import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;

/**
 * File-system change notifications for the artifacts directory: a daemon thread waits on a
 * {@link WatchService} and calls {@code onChange} for every batch of events (entries created,
 * deleted, renamed or modified; or an overflow). It only hints: notifications are lost on some
 * mounts and never arrive for writes inside a bundle directory, so the index manager rescans
 * periodically as well. Thread-safe; {@link #ensureWatching()} re-registers after the directory
 * was removed and recreated.
 */
final class BundleWatcher implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(BundleWatcher.class.getName());

    private final Path dir;
    private final Runnable onChange;
    private WatchService service;
    private volatile WatchKey key;
    private Thread thread;
    private volatile boolean closed;

    BundleWatcher(Path dir, Runnable onChange) {
        this.dir = dir;
        this.onChange = onChange;
    }

    /** Starts watching if not already watching; false when the directory cannot be watched (then rescans alone find bundles). */
    synchronized boolean ensureWatching() {
        if (closed) return false;
        if (key != null && key.isValid()) return true;
        try {
            if (service == null) {
                service = FileSystems.getDefault().newWatchService();
                thread = new Thread(this::run, "mercury-bundle-watch");
                thread.setDaemon(true);
                thread.start();
            }
            key = dir.register(service, StandardWatchEventKinds.ENTRY_CREATE, StandardWatchEventKinds.ENTRY_DELETE,
                    StandardWatchEventKinds.ENTRY_MODIFY);
            return true;
        } catch (IOException | UnsupportedOperationException e) {
            LOG.log(System.Logger.Level.DEBUG, "cannot watch " + dir + " (" + e + "); relying on rescans");
            return false;
        }
    }

    boolean watching() {
        WatchKey k = key;
        return k != null && k.isValid();
    }

    private void run() {
        while (!closed) {
            WatchKey k;
            try {
                k = service.take();
            } catch (ClosedWatchServiceException | InterruptedException e) {
                return;
            }
            k.pollEvents();
            k.reset(); // an invalid key (directory gone) is re-registered by the next ensureWatching()
            try {
                onChange.run();
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.ERROR, "bundle watch callback failed", e);
            }
        }
    }

    @Override
    public synchronized void close() {
        closed = true;
        if (service != null) {
            try {
                service.close();
            } catch (IOException e) {
                LOG.log(System.Logger.Level.DEBUG, "closing the watch service: " + e);
            }
        }
    }
}
