package ai.mercury.lifecycle;

import ai.mercury.bundle.BundleException;
import ai.mercury.config.MercuryConfig;
import ai.mercury.config.SwapConfig;
import ai.mercury.feature.TextEncoderRegistry;
import ai.mercury.live.LiveItems;
import ai.mercury.model.Snapshot;
import ai.mercury.model.SnapshotLoader;
import ai.mercury.model.SnapshotRegistry;
import ai.mercury.lifecycle.BundleDirs.Fingerprint;
import ai.mercury.lifecycle.BundleStatus.Rejection;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The bundle side of the {@link ServingLifecycle}: finds bundle directories in the
 * artifacts directory, waits until a new one is complete and stable, validates and warms it,
 * publishes it with one atomic set, retires the old snapshot (and reports it if it leaks), honours
 * the pin, applies retention and keeps the history and the rejections.
 *
 * <p>Threading: every decision runs on one private thread ({@code mercury-bundles}), so the state
 * below needs no locks and never runs on an event loop; loads and disk access happen there too.
 * Other threads call {@link #requestScan()}, {@link #activate}, {@link #unpin()} (which queue work
 * and return futures) and read {@link #status()} (an immutable value). Plain Java: no Vert.x.
 *
 * <p>Rules: a bundle becomes active automatically only when its version is greater than the
 * active one's and no pin is set; a rejected directory is not retried until its fingerprint
 * (names, sizes, modification times) changes; at start-up the bundles on disk are taken as they
 * are (newest valid first), afterwards a new directory must be complete and unchanged for
 * {@code swap.settle_ms} (or unchanged for {@code swap.incomplete_timeout_ms}, then it is
 * validated anyway and rejected with its reason).
 */
final class BundleManager implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(BundleManager.class.getName());
    private static final int MAX_REJECTIONS = 200;
    private static final int MAX_HISTORY = 100;
    private static final long EVENT_DELAY_MS = 30;

    private final Path artifacts;
    private final SwapConfig swap;
    private final LiveItems live; // null when items.enabled is false
    private final SnapshotLoader.Options loadOptions;
    private final BundleValidator validator;
    private final SnapshotRegistry registry;
    private final LifecycleEvents metrics;
    private final PinFile pinFile;
    private final BundleWatcher watcher;
    private final ScheduledExecutorService exec;
    private final AtomicBoolean eventScanQueued = new AtomicBoolean();
    private final AtomicBoolean followUpQueued = new AtomicBoolean();
    private final CompletableFuture<Snapshot> initialLoad = new CompletableFuture<>();
    private final RetiredSnapshots retired;
    /** Runs representative requests on a new snapshot before it is published (set by the server); nothing by default. */
    volatile java.util.function.Consumer<Snapshot> warmer = s -> { };
    private final Set<CompletableFuture<?>> adminTasks = ConcurrentHashMap.newKeySet();
    private volatile BundleStatus status;
    private volatile boolean closed;

    // Confined to the manager thread.
    private final BundleDirTracker tracker;
    private final Deque<Rejection> rejections = new ArrayDeque<>();
    private final Deque<HistoryEntry> history = new ArrayDeque<>();
    private String pin;
    private long scans;
    private Instant lastScanAt;

    private static final class HistoryEntry {
        final String version;
        final Instant activatedAt = Instant.now();
        final long loadMs;
        final String cause;
        Instant retiredAt;

        HistoryEntry(String version, long loadMs, String cause) {
            this.version = version;
            this.loadMs = loadMs;
            this.cause = cause;
        }
    }

    BundleManager(MercuryConfig config, SnapshotRegistry registry, LifecycleEvents metrics, LiveItems live, TextEncoderRegistry textEncoders) {
        this.artifacts = config.artifactsDir();
        this.swap = config.swap();
        this.live = live;
        this.loadOptions = new SnapshotLoader.Options(config.index(), config.onnxIntraOpThreads(), config.warmupQueries(), null);
        this.validator = new BundleValidator(loadOptions, swap.qualityGate(), textEncoders);
        this.retired = new RetiredSnapshots(swap.leakWarnMs(), metrics::snapshotLeaked);
        this.registry = registry;
        this.metrics = metrics;
        this.tracker = new BundleDirTracker(artifacts, swap);
        this.pinFile = new PinFile(swap.stateDir() != null ? swap.stateDir() : artifacts);
        this.watcher = new BundleWatcher(artifacts, this::requestScan);
        this.exec = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "mercury-bundles");
            t.setDaemon(true);
            return t;
        });
        this.status = new BundleStatus(artifacts.toAbsolutePath(), null, null, List.of(), List.of(), List.of(), false, 0, null);
        metrics.bindBundleGauges(this::openSnapshots, () -> status.pin() != null);
    }

    /** Loads the start-up bundle in the background, then watches. Returns at once. */
    void start() {
        exec.execute(() -> {
            try {
                if (swap.watch()) watcher.ensureWatching();
                pin = pinFile.read();
                if (pin != null) LOG.log(System.Logger.Level.INFO, "pinned to " + pin + " by " + pinFile.path());
                observe();
                if (tracker.dirs().isEmpty()) LOG.log(System.Logger.Level.WARNING, "no bundle under " + artifacts.toAbsolutePath() + ": not ready until one is published");
                select(true, "startup");
                afterChange();
            } catch (Throwable t) {
                LOG.log(System.Logger.Level.ERROR, "start-up bundle load failed", t);
            } finally {
                initialLoad.complete(registry.peek());
            }
            exec.scheduleWithFixedDelay(this::tick, swap.scanIntervalMs(), swap.scanIntervalMs(), TimeUnit.MILLISECONDS);
        });
    }

    /** Completes when the start-up load is over, with the snapshot serving then (null if none). */
    CompletableFuture<Snapshot> initialLoad() {
        return initialLoad;
    }

    BundleStatus status() {
        return status;
    }

    /** Asks for a scan soon (file-system events land here); bursts are coalesced. */
    void requestScan() {
        schedule(eventScanQueued, EVENT_DELAY_MS);
    }

    /**
     * Validates {@code version} if it is not the active one, makes it active and pins it (the pin
     * file is written before the swap). Fails with {@link LifecycleException} {@code UNKNOWN_VERSION} (no such directory)
     * or {@code REJECTED} (rejected now or before, unchanged since).
     */
    CompletableFuture<BundleStatus> activate(String version) {
        return submit(() -> {
            observe();
            Path dir = tracker.dirs().get(version);
            if (dir == null) throw new LifecycleException(LifecycleException.Kind.UNKNOWN_VERSION, "there is no bundle directory " + version + " under " + artifacts.toAbsolutePath());
            Snapshot active = registry.peek();
            if (active == null || !active.version().equals(version)) {
                Rejection before = tracker.rejectedUnchanged(version);
                if (before != null) throw rejectedError(before, "and has not changed since");
                Fingerprint fp = tracker.fingerprint(version);
                long t0 = System.nanoTime();
                Snapshot s;
                try {
                    s = validator.load(dir);
                } catch (BundleException e) {
                    throw rejectedError(reject(version, fp, e, t0), "");
                }
                writePin(version, s);
                publish(s, "activate", t0);
            } else {
                writePin(version, null);
            }
            pin = version;
            afterChange();
            return status;
        });
    }

    /** Lifts the pin; the newest valid bundle newer than the active one then takes over as usual. */
    CompletableFuture<BundleStatus> unpin() {
        return submit(() -> {
            try {
                pinFile.delete();
            } catch (IOException e) {
                throw new LifecycleException(LifecycleException.Kind.STATE_NOT_WRITTEN, "cannot delete the pin file " + pinFile.path() + ": " + e.getMessage());
            }
            if (pin != null) LOG.log(System.Logger.Level.INFO, "pin on " + pin + " lifted");
            pin = null;
            observe();
            select(false, "unpin");
            afterChange();
            return status;
        });
    }

    /** Snapshots whose native resources are still open: the active one and retired ones still in use. */
    int openSnapshots() {
        Snapshot active = registry.peek();
        return (active != null && !active.isClosed() ? 1 : 0) + retired.open();
    }

    private void tick() {
        try {
            scan();
            retired.check();
        } catch (Throwable t) { // a failed tick must not cancel the periodic schedule
            LOG.log(System.Logger.Level.ERROR, "bundle scan failed", t);
        }
    }

    private void scan() {
        if (closed) return;
        if (swap.watch()) watcher.ensureWatching();
        String p = pinFile.read();
        if (!Objects.equals(p, pin)) {
            LOG.log(System.Logger.Level.INFO, p == null ? "pin on " + pin + " lifted (" + pinFile.path() + " removed)" : "pinned to " + p + " by " + pinFile.path());
            pin = p;
        }
        observe();
        select(false, "new bundle");
        afterChange();
        if (needsFollowUp()) schedule(followUpQueued, Math.max(20, swap.settleMs()));
    }

    private void observe() {
        scans++;
        lastScanAt = Instant.now();
        tracker.observe();
    }

    /** Chooses and activates what should serve; see the class comment for the rules. */
    private void select(boolean startup, String cause) {
        Snapshot active = registry.peek();
        String activeVersion = active == null ? null : active.version();
        if (pin != null) {
            if (pin.equals(activeVersion)) return;
            if (tracker.dirs().containsKey(pin) && tracker.rejectedUnchanged(pin) == null && tracker.ready(pin, startup)
                    && tryActivate(pin, startup ? "startup (pinned)" : "pin")) return;
            if (activeVersion != null) return; // the pin holds: no automatic swaps
            if (startup) LOG.log(System.Logger.Level.WARNING, "the pinned bundle " + pin + " cannot serve; falling back to the newest valid bundle");
        }
        for (String version : tracker.dirs().keySet()) { // newest first
            if (activeVersion != null && version.compareTo(activeVersion) <= 0) return;
            if (version.equals(pin) || tracker.rejectedUnchanged(version) != null || !tracker.ready(version, startup)) continue;
            if (tryActivate(version, cause)) return;
        }
    }

    private boolean needsFollowUp() {
        Snapshot active = registry.peek();
        for (String version : tracker.dirs().keySet()) {
            boolean candidate = version.equals(pin) || (pin == null && (active == null || version.compareTo(active.version()) > 0));
            if (candidate && tracker.rejectedUnchanged(version) == null && !tracker.ready(version, false)) return true;
        }
        return false;
    }

    private boolean tryActivate(String version, String cause) {
        Fingerprint fp = tracker.fingerprint(version);
        long t0 = System.nanoTime();
        try {
            publish(validator.load(tracker.dirs().get(version)), cause, t0);
            return true;
        } catch (BundleException e) {
            reject(version, fp, e, t0);
            return false;
        }
    }

    /**
     * Rebuilds the serving snapshot's index over its live rows (the live-item writer asks when
     * too many ordinals are removed) and publishes it like a swap, with cause "index rebuild".
     */
    void rebuildIndex(String version) {
        if (live == null) return;
        submit(() -> {
            Snapshot active = registry.peek();
            if (active == null || !active.version().equals(version)) return status; // swapped meanwhile: the new snapshot is fresh
            long t0 = System.nanoTime();
            LiveItems.RebuildInput in = live.captureForRebuild();
            if (in == null || in.source() != registry.peek()) return status;
            try {
                publish(SnapshotLoader.rebuild(in.source(), in.items(), in.vectors(), in.journalSequence(), loadOptions), "index rebuild", t0);
            } catch (BundleException e) {
                LOG.log(System.Logger.Level.ERROR, "index rebuild of " + version + " failed; serving on with the removed ordinals", e);
            }
            afterChange();
            return status;
        }).exceptionally(t -> {
            LOG.log(System.Logger.Level.ERROR, "index rebuild of " + version + " failed", t);
            return null;
        });
    }

    private void publish(Snapshot s, String cause, long t0) {
        if (closed) {
            s.retire();
            return;
        }
        if (!cause.equals("index rebuild")) warmer.accept(s); // a rebuild keeps warm towers and code
        Snapshot previous;
        if (live != null) {
            live.replayOnto(s); // off the writer: re-embeds the journal's items with this bundle's item tower
            previous = live.publish(s, registry::publish); // on the writer: catches up, then publishes
        } else {
            previous = registry.publish(s);
        }
        long nanos = System.nanoTime() - t0;
        metrics.modelActivated(s);
        metrics.swapActivated(nanos);
        Instant now = Instant.now();
        for (HistoryEntry h : history) {
            if (h.retiredAt == null) h.retiredAt = now;
        }
        history.addFirst(new HistoryEntry(s.version(), nanos / 1_000_000, cause));
        while (history.size() > MAX_HISTORY) history.removeLast();
        if (previous != null && previous != s) retired.add(previous);
        LOG.log(System.Logger.Level.INFO, "serving " + s + " (" + cause + "; validated and warmed in " + nanos / 1_000_000 + " ms)"
                + (previous == null ? "" : "; retired " + previous.version()));
    }

    private Rejection reject(String version, Fingerprint fp, BundleException e, long t0) {
        Rejection r = new Rejection(version, e.reason(), e.getMessage(), Instant.now());
        tracker.rejected(version, fp, r);
        rejections.addFirst(r);
        while (rejections.size() > MAX_REJECTIONS) rejections.removeLast();
        metrics.swapRejected(e.reason(), System.nanoTime() - t0);
        LOG.log(System.Logger.Level.WARNING, "rejected bundle " + version + " (" + e.reason() + "): " + e.getMessage());
        return r;
    }

    private static LifecycleException rejectedError(Rejection r, String since) {
        return new LifecycleException(LifecycleException.Kind.REJECTED, "bundle " + r.version() + " was rejected (" + r.reason() + ") at " + r.at()
                + (since.isEmpty() ? "" : " " + since) + ": " + r.message());
    }

    /** Writes the pin before the swap; on failure the loaded snapshot is dropped and nothing changes. */
    private void writePin(String version, Snapshot loaded) {
        try {
            pinFile.write(version);
        } catch (IOException e) {
            if (loaded != null) loaded.retire();
            throw new LifecycleException(LifecycleException.Kind.STATE_NOT_WRITTEN, "cannot write the pin file " + pinFile.path() + ": " + e.getMessage());
        }
        LOG.log(System.Logger.Level.INFO, "pinned to " + version + " (" + pinFile.path() + ")");
    }

    private void afterChange() {
        Snapshot active = registry.peek();
        if (swap.keepBundles() > 0 && active != null) {
            Set<String> keep = new HashSet<>();
            keep.add(active.version());
            if (pin != null) keep.add(pin);
            for (String v : tracker.dirs().keySet()) {
                if (!tracker.ready(v, false) && tracker.rejectedUnchanged(v) == null) keep.add(v); // still being written
            }
            if (!Retention.apply(artifacts, tracker.dirs(), swap.keepBundles(), keep).isEmpty()) observe();
        }
        status = buildStatus();
    }

    private <T> CompletableFuture<T> submit(Callable<T> task) {
        CompletableFuture<T> f = new CompletableFuture<>();
        adminTasks.add(f);
        f.whenComplete((r, t) -> adminTasks.remove(f));
        try {
            if (closed) throw new RejectedExecutionException();
            exec.execute(() -> {
                try {
                    f.complete(task.call());
                } catch (Throwable t) {
                    f.completeExceptionally(t);
                }
            });
        } catch (RejectedExecutionException e) {
            f.completeExceptionally(shuttingDown());
        }
        return f;
    }

    private void schedule(AtomicBoolean queued, long delayMs) {
        if (closed || !queued.compareAndSet(false, true)) return;
        try {
            exec.schedule(() -> {
                queued.set(false);
                tick();
            }, delayMs, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            queued.set(false);
        }
    }

    private static LifecycleException shuttingDown() {
        return new LifecycleException(LifecycleException.Kind.SHUTTING_DOWN, "the server is shutting down");
    }

    /** Stops watching and scanning; waits for a load in progress. Blocking: call off the event loop. */
    @Override
    public void close() {
        closed = true;
        watcher.close();
        exec.shutdownNow();
        try {
            if (!exec.awaitTermination(60, TimeUnit.SECONDS)) LOG.log(System.Logger.Level.WARNING, "a bundle load did not finish within 60 s of shutdown");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        for (CompletableFuture<?> f : List.copyOf(adminTasks)) f.completeExceptionally(shuttingDown());
        initialLoad.complete(null);
    }

    /** The published {@link BundleStatus}, built from the state on the manager thread. */
    private BundleStatus buildStatus() {
        Snapshot active = registry.peek();
        String activeVersion = active == null ? null : active.version();
        HistoryEntry current = history.stream().filter(h -> h.version.equals(activeVersion) && h.retiredAt == null).findFirst().orElse(null);
        BundleStatus.Active a = active == null ? null : new BundleStatus.Active(activeVersion,
                current == null ? active.loadedAt() : current.activatedAt, active.catalog().size(), active.index().kind(),
                current == null ? null : current.cause);
        Set<String> served = new HashSet<>();
        for (HistoryEntry h : history) served.add(h.version);
        BundleStatus.Pin p = null;
        if (pin != null) {
            Rejection r = tracker.rejectedUnchanged(pin);
            if (pin.equals(activeVersion)) {
                p = new BundleStatus.Pin(pin, "active", null);
            } else if (!tracker.dirs().containsKey(pin)) {
                p = new BundleStatus.Pin(pin, "unavailable", "there is no bundle directory " + pin + "; serving " + activeVersion);
            } else if (r != null) {
                p = new BundleStatus.Pin(pin, "unavailable", "rejected (" + r.reason() + "); serving " + activeVersion);
            } else {
                p = new BundleStatus.Pin(pin, "waiting", "its directory is still being written");
            }
        }
        List<BundleStatus.Activation> activations = history.stream()
                .map(h -> new BundleStatus.Activation(h.version, h.activatedAt, h.retiredAt, h.loadMs, h.cause)).toList();
        return new BundleStatus(artifacts.toAbsolutePath(), a, p, tracker.describe(activeVersion, served), activations,
                List.copyOf(rejections), watcher.watching(), scans, lastScanAt);
    }
}
