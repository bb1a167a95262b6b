package ai.mercury.live;

import ai.mercury.core.CatalogItem;
import ai.mercury.feature.TextEncoderRegistry;
import ai.mercury.index.ItemIndex;
import ai.mercury.index.Vectors;
import ai.mercury.live.ItemWrite.Op;
import ai.mercury.live.LiveWriteException.Reason;
import ai.mercury.model.Catalog;
import ai.mercury.model.Snapshot;
import ai.mercury.model.SnapshotRegistry;

import java.nio.file.Path;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * Live cold-start items: products written through {@code PUT/DELETE /items/{id}} become part of
 * the serving snapshot's catalog and index within one request, survive restarts through the
 * {@link Journal}, and are carried over to every new bundle.
 *
 * <p>Threading: one writer thread ({@code mercury-live-items}) owns the journal and is the only
 * thread that changes a published snapshot's catalog and index. Writes queue up and are handled
 * in groups (group commit): each is checked and embedded against the serving snapshot, the group
 * is appended to the journal with one fsync, then applied and acknowledged. Publishing a new
 * snapshot also runs on this thread ({@link #publish}), so no write can fall between "the new
 * snapshot has caught up" and "the new snapshot serves".
 *
 * <p>Logs: on one node the log is the local {@link Journal}. With a {@link SharedItemLog} (Kafka,
 * several replicas) there is no journal: accepted writes are appended to the shared log, and every
 * replica applies them in the log's order as they come back ({@link #applyFromLog}). Either way a
 * logged write reaches the snapshot through one method, {@link #applyLogged}.
 *
 * <p>Bundles: a new snapshot gets the journal's items replayed onto it before it is published
 * (re-embedded with its own item tower, {@link #replayOnto}); writes that the new bundle already
 * contains — it was created after them and holds the upserted item, or lacks the deleted one —
 * are compacted out of the journal when it goes live.
 */
public final class LiveItems implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(LiveItems.class.getName());
    private static final int GROUP_MAX = 256;

    /**
     * @param journalDir             where {@code items.journal} lives
     * @param rebuildRemovedFraction rebuild the index once removed ordinals exceed this share of all ordinals
     * @param rebuildMinRemoved      ... and at least this many (small catalogs would rebuild constantly)
     */
    public record Options(Path journalDir, double rebuildRemovedFraction, int rebuildMinRemoved) {}

    /**
     * Writes through a shared log instead of the journal.
     *
     * @param log            where accepted writes go; every replica applies them from there
     * @param writeTimeoutMs longest a write waits for the log's acknowledgement (and for its local apply)
     * @param readYourWrites acknowledge a write only once this replica applied it (else once the log holds it)
     */
    public record Shared(SharedItemLog log, long writeTimeoutMs, boolean readYourWrites) {}

    /** Callbacks to the server: metrics and the rebuild request. */
    public interface Listener {
        default void written(Op op, String outcome, long nanos) {}

        /** The serving snapshot has many removed ordinals: rebuild its index (see {@link #captureForRebuild}). */
        default void rebuildNeeded(String version) {}
    }

    /**
     * What a write did. {@code status}: created, updated or deleted. {@code applied}: this replica
     * serves it already; false only with a shared log, when the log took the write but this replica
     * had not applied it within the write timeout (or read-your-writes is off).
     */
    public record WriteResult(String itemId, String status, boolean embedded, long seq, String modelVersion, long nanos, boolean applied) {}

    /** An item as the serving snapshot has it now. */
    public record ItemInfo(CatalogItem item, String source, Instant writtenAt, Long seq, float vectorNorm, String modelVersion) {}

    /** The result of replaying the journal onto a snapshot. */
    public record ReplayReport(int applied, int embedded, int redundant, int failed, long millis) {}

    /** A consistent copy of a snapshot's live rows, to build a compacted index from. */
    public record RebuildInput(Snapshot source, List<CatalogItem> items, Vectors vectors, long journalSequence) {}

    private final Options options;
    private final SnapshotRegistry registry;
    private final Listener listener;
    private final ItemEmbedder embedder;
    private final BlockingQueue<Runnable> queue = new LinkedBlockingQueue<>();
    /** The latest write per id (upsert or delete), in the journal. Written by the writer thread only. */
    private final Map<String, ItemWrite> effective = new ConcurrentHashMap<>();
    private final Thread writer;
    private final Shared shared; // null: the journal is the log
    /** With a shared log: writes the log took, waiting for this replica to apply them, by seq. Writer thread. */
    private final java.util.NavigableMap<Long, Pending> awaiting = new java.util.TreeMap<>();
    private final java.util.concurrent.ScheduledExecutorService timeouts;
    private Journal journal; // writer thread; null with a shared log
    private long nextSeq = 1; // writer thread (journal)
    /** The highest sequence applied (to the serving snapshot, or recorded before one serves). */
    private volatile long appliedSeq;
    private volatile boolean closed;
    private volatile boolean rebuildRequested;

    /** One node: the journal in {@code options.journalDir()} is the log. */
    public LiveItems(Options options, TextEncoderRegistry encoders, SnapshotRegistry registry, Listener listener) {
        this(options, encoders, registry, listener, null);
    }

    /**
     * @param shared null for the local journal; else writes go through the shared log, no journal is
     *               opened, and the log's existing writes arrive through {@link #applyFromLog}
     */
    public LiveItems(Options options, TextEncoderRegistry encoders, SnapshotRegistry registry, Listener listener, Shared shared) {
        this.options = options;
        this.registry = registry;
        this.listener = listener;
        this.embedder = new ItemEmbedder(encoders);
        this.shared = shared;
        if (shared == null) {
            List<ItemWrite> replay = new ArrayList<>();
            this.journal = Journal.open(options.journalDir(), replay);
            for (ItemWrite w : replay) {
                effective.put(w.itemId(), w);
                nextSeq = w.seq() + 1;
            }
            appliedSeq = nextSeq - 1;
            LOG.log(System.Logger.Level.INFO, journal.file() + ": " + replay.size() + " records, " + effective.size() + " items with live writes");
            this.timeouts = null;
        } else {
            this.timeouts = java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "mercury-live-write-timeouts");
                t.setDaemon(true);
                return t;
            });
        }
        this.writer = new Thread(this::run, "mercury-live-items");
        writer.setDaemon(true);
        writer.start();
    }

    /** The highest log sequence this replica has applied (journal: the last journaled write). */
    public long appliedSequence() {
        return appliedSeq;
    }

    /** Whether writes go through a shared log (several replicas) rather than the local journal. */
    public boolean replicated() {
        return shared != null;
    }

    /** Items with a live write (upserts and deletes) in the journal. */
    public int journaledItems() {
        return effective.size();
    }

    // ---------------------------------------------------------------- writes

    public CompletableFuture<WriteResult> upsert(CatalogItem item) {
        return submitWrite(new Pending(Op.UPSERT, item.itemId(), item));
    }

    public CompletableFuture<WriteResult> delete(String itemId) {
        return submitWrite(new Pending(Op.DELETE, itemId, null));
    }

    private final class Pending implements Runnable {
        final Op op;
        final String itemId;
        final CatalogItem item;
        final long start = System.nanoTime();
        final CompletableFuture<WriteResult> done = new CompletableFuture<>();
        // Filled in while the group is processed.
        ItemWrite write;
        float[] vector;
        Snapshot embeddedOn;
        boolean existed;
        /** With a shared log: the sequence the log gave the write (0 until it took it). */
        volatile long seq;
        private final java.util.concurrent.atomic.AtomicBoolean finished = new java.util.concurrent.atomic.AtomicBoolean();

        Pending(Op op, String itemId, CatalogItem item) {
            this.op = op;
            this.itemId = itemId;
            this.item = item;
        }

        @Override
        public void run() {
            processGroupSafely(List.of(this));
        }

        void fail(Reason reason, String message, Throwable cause) {
            if (!finished.compareAndSet(false, true)) return; // a timeout and the log's answer may race
            listener.written(op, reason.name().toLowerCase(java.util.Locale.ROOT), System.nanoTime() - start);
            done.completeExceptionally(new LiveWriteException(reason, message, cause));
        }

        void succeed(long seq, String modelVersion, boolean applied) {
            if (!finished.compareAndSet(false, true)) return;
            long nanos = System.nanoTime() - start;
            String status = op == Op.DELETE ? "deleted" : existed ? "updated" : "created";
            listener.written(op, applied ? status : "accepted", nanos);
            done.complete(new WriteResult(itemId, status, vector != null, seq, modelVersion, nanos, applied));
        }
    }

    private void enqueue(Runnable task) {
        queue.add(task);
    }

    private CompletableFuture<WriteResult> submitWrite(Pending p) {
        if (closed) {
            p.fail(Reason.SHUTTING_DOWN, "the server is shutting down", null);
        } else {
            queue.add(p);
        }
        return p.done;
    }

    private void run() {
        List<Runnable> batch = new ArrayList<>();
        while (!closed) {
            try {
                batch.add(queue.take());
            } catch (InterruptedException e) {
                break;
            }
            queue.drainTo(batch, GROUP_MAX - 1);
            // Consecutive writes form one group (one fsync); other tasks run in queue order between groups.
            List<Pending> group = new ArrayList<>();
            for (Runnable r : batch) {
                if (r instanceof Pending p) {
                    group.add(p);
                    continue;
                }
                processGroupSafely(group);
                group = new ArrayList<>();
                runTask(r);
            }
            processGroupSafely(group);
            batch.clear();
        }
        for (Runnable r; (r = queue.poll()) != null; ) {
            if (r instanceof Pending p) p.fail(Reason.SHUTTING_DOWN, "the server is shutting down", null);
            else runTask(r);
        }
        for (Pending p : awaiting.values()) {
            Snapshot s = registry.peek();
            p.succeed(p.seq, s == null ? null : s.version(), false); // the log holds it; this replica stopped before applying it
        }
        awaiting.clear();
    }

    /** The writer thread must survive anything a group throws: the writes still waiting get a 500, later ones go on. */
    private void processGroupSafely(List<Pending> group) {
        try {
            processGroup(group);
        } catch (Throwable t) {
            LOG.log(System.Logger.Level.ERROR, "live-item write group failed", t);
            for (Pending p : group) {
                if (!p.done.isDone()) p.fail(Reason.INTERNAL, "the write failed inside the server; the server log has the details", t);
            }
        }
    }

    private static void runTask(Runnable r) {
        try {
            r.run();
        } catch (Throwable t) {
            LOG.log(System.Logger.Level.ERROR, "live-item task failed", t);
        }
    }

    /**
     * Checks and embeds each write, then logs the accepted ones: into the journal with one fsync,
     * after which they are applied and acknowledged here; or into the shared log, from which every
     * replica applies them ({@link #applyFromLog}).
     */
    private void processGroup(List<Pending> group) {
        if (group.isEmpty()) return;
        Snapshot s = registry.peek();
        if (s == null) {
            for (Pending p : group) p.fail(Reason.NO_MODEL, "no model bundle is loaded yet; see /health/ready", null);
            return;
        }
        if (shared != null && !shared.log().writable()) {
            for (Pending p : group) p.fail(Reason.UNAVAILABLE, "the catalog log (Kafka) is unreachable; nothing was written, retry later", null);
            return;
        }
        Map<String, CatalogItem> inGroup = new HashMap<>(); // state after the earlier writes of this group (null = deleted)
        List<Pending> accepted = new ArrayList<>(group.size());
        Instant now = Instant.now();
        for (Pending p : group) {
            CatalogItem before = inGroup.containsKey(p.itemId) ? inGroup.get(p.itemId) : current(s, p.itemId);
            p.existed = before != null;
            long seq = shared == null ? nextSeq++ : 0; // a shared log numbers the writes itself
            if (p.op == Op.DELETE) {
                if (before == null) {
                    if (shared == null) nextSeq--;
                    p.fail(Reason.NOT_FOUND, "there is no item " + p.itemId + " in model " + s.version(), null);
                    continue;
                }
                inGroup.put(p.itemId, null);
                p.write = ItemWrite.delete(seq, now, p.itemId);
            } else {
                if (ItemEmbedder.needsEmbedding(before, p.item)) {
                    try {
                        p.vector = embedder.embed(s, List.of(p.item))[0];
                        p.embeddedOn = s;
                    } catch (RuntimeException e) {
                        if (shared == null) nextSeq--;
                        LOG.log(System.Logger.Level.ERROR, "embedding live item " + p.itemId + " on " + s.version() + " failed", e);
                        p.fail(Reason.EMBEDDING, "the item could not be embedded by model " + s.version() + ": " + e.getMessage(), e);
                        continue;
                    }
                }
                inGroup.put(p.itemId, p.item);
                p.write = ItemWrite.upsert(seq, now, p.item);
            }
            accepted.add(p);
        }
        if (accepted.isEmpty()) return;
        if (shared != null) {
            for (Pending p : accepted) sendToSharedLog(p);
            return;
        }
        try {
            journal.append(accepted.stream().map(p -> p.write).toList());
        } catch (JournalException e) {
            LOG.log(System.Logger.Level.ERROR, "journal append failed; " + accepted.size() + " writes refused", e);
            nextSeq = accepted.get(0).write.seq(); // nothing of the group is in the journal
            for (Pending p : accepted) p.fail(Reason.JOURNAL, "the write could not be made durable: " + e.getMessage(), e);
            return;
        }
        Map<Long, float[]> vectors = new HashMap<>();
        for (Pending p : accepted) if (p.vector != null) vectors.put(p.write.seq(), p.vector);
        applyLogged(accepted.stream().map(p -> p.write).toList(), vectors);
        for (Pending p : accepted) p.succeed(p.write.seq(), s.version(), true);
    }

    /**
     * Appends {@code p} to the shared log. The answer waits for the log's acknowledgement and, with
     * read-your-writes, for this replica to apply the write as it comes back from the log; a timer
     * bounds the wait: without the log's acknowledgement the write answers "unavailable".
     */
    private void sendToSharedLog(Pending p) {
        CompletableFuture<Long> taken;
        try {
            taken = shared.log().append(p.write);
        } catch (RuntimeException e) {
            taken = CompletableFuture.failedFuture(e);
        }
        taken.whenComplete((seq, error) -> {
            if (error != null) {
                Throwable cause = error instanceof java.util.concurrent.CompletionException && error.getCause() != null ? error.getCause() : error;
                p.fail(Reason.UNAVAILABLE, "the catalog log (Kafka) did not take the write: " + cause.getMessage(), cause);
            } else {
                p.seq = seq;
                enqueue(() -> acknowledged(p, seq));
            }
        });
        timeouts.schedule(() -> {
            if (p.done.isDone()) return;
            long seq = p.seq;
            if (seq > 0) {
                Snapshot s = registry.peek();
                p.succeed(seq, s == null ? null : s.version(), false); // durable in the log, not yet applied here
            } else {
                p.fail(Reason.UNAVAILABLE, "the catalog log (Kafka) did not acknowledge the write within " + shared.writeTimeoutMs()
                        + " ms; it was not acknowledged (retrying is safe: writes are idempotent)", null);
            }
        }, shared.writeTimeoutMs(), java.util.concurrent.TimeUnit.MILLISECONDS);
    }

    /** The shared log took {@code p} at {@code seq}: answer now, or once this replica has applied it. Writer thread. */
    private void acknowledged(Pending p, long seq) {
        if (p.done.isDone()) return;
        if (seq <= appliedSeq || !shared.readYourWrites()) {
            Snapshot s = registry.peek();
            p.succeed(seq, s == null ? null : s.version(), seq <= appliedSeq);
        } else {
            awaiting.put(seq, p);
        }
    }

    /**
     * Applies writes read from the shared log, in the log's order, then answers the writes of this
     * replica among them. {@code throughSeq}: the log position these writes reach (records that
     * were not writes, or were unreadable, are skipped up to it). Works before any snapshot serves:
     * the writes are recorded and replayed onto the first one, as the journal's are. Any thread;
     * completes once applied.
     */
    public CompletableFuture<Void> applyFromLog(List<ItemWrite> writes, long throughSeq) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        if (closed) {
            done.completeExceptionally(new LiveWriteException(Reason.SHUTTING_DOWN, "the server is shutting down", null));
            return done;
        }
        enqueue(() -> {
            try {
                Map<Long, float[]> vectors = new HashMap<>();
                Snapshot s = registry.peek();
                for (ItemWrite w : writes) {
                    Pending mine = awaiting.get(w.seq());
                    if (mine != null && mine.vector != null && mine.embeddedOn == s) vectors.put(w.seq(), mine.vector);
                }
                applyLogged(writes, vectors);
                appliedSeq = Math.max(appliedSeq, throughSeq);
                String version = s == null ? null : s.version();
                for (var it = awaiting.headMap(throughSeq, true).entrySet().iterator(); it.hasNext(); ) {
                    var e = it.next();
                    e.getValue().succeed(e.getKey(), version, true);
                    it.remove();
                }
                done.complete(null);
            } catch (Throwable t) {
                done.completeExceptionally(t);
                throw t;
            }
        });
        return done;
    }

    /**
     * The one path by which a logged write reaches the serving snapshot, whichever log it came
     * from: the journal (right after its group's fsync) or the shared log (in the log's order).
     * Writer thread. {@code embedded}: vectors already computed on the serving snapshot, by seq;
     * the other writes that need one are embedded here in one batch. Before any snapshot serves,
     * the writes are only recorded (the first snapshot gets them replayed onto it).
     */
    private void applyLogged(List<ItemWrite> writes, Map<Long, float[]> embedded) {
        Snapshot s = registry.peek();
        if (s != null) {
            Map<Long, float[]> vectors = new HashMap<>(embedded);
            Map<String, CatalogItem> state = new HashMap<>(); // after the earlier writes of this batch (null = deleted)
            List<ItemWrite> toEmbed = new ArrayList<>();
            for (ItemWrite w : writes) {
                CatalogItem before = state.containsKey(w.itemId()) ? state.get(w.itemId()) : current(s, w.itemId());
                if (w.op() == Op.UPSERT && !vectors.containsKey(w.seq()) && ItemEmbedder.needsEmbedding(before, w.item())) toEmbed.add(w);
                state.put(w.itemId(), w.item());
            }
            embedInto(s, toEmbed, vectors);
            for (ItemWrite w : writes) {
                float[] vector = null;
                if (w.op() == Op.UPSERT) {
                    CatalogItem before = current(s, w.itemId());
                    vector = ItemEmbedder.needsEmbedding(before, w.item()) ? vectors.get(w.seq()) : s.index().vector(s.catalog().ordinalOf(w.itemId()));
                    if (vector == null) {
                        effective.put(w.itemId(), w); // logged, but this model cannot serve it (its embedding failed)
                        continue;
                    }
                }
                apply(s, w, vector);
                effective.put(w.itemId(), w);
            }
            maybeRequestRebuild(s);
        } else {
            for (ItemWrite w : writes) effective.put(w.itemId(), w);
        }
        if (!writes.isEmpty()) appliedSeq = Math.max(appliedSeq, writes.get(writes.size() - 1).seq());
    }

    /** Embeds {@code writes} in one batch, one by one when the batch fails (so one bad item does not sink the others). */
    private void embedInto(Snapshot s, List<ItemWrite> writes, Map<Long, float[]> into) {
        if (writes.isEmpty()) return;
        try {
            float[][] v = embedder.embed(s, writes.stream().map(ItemWrite::item).toList());
            for (int i = 0; i < v.length; i++) into.put(writes.get(i).seq(), v[i]);
            return;
        } catch (RuntimeException e) {
            if (writes.size() == 1) {
                LOG.log(System.Logger.Level.ERROR, s.version() + ": live item " + writes.get(0).itemId() + " could not be embedded; this model does not serve it", e);
                return;
            }
        }
        for (ItemWrite w : writes) embedInto(s, List.of(w), into);
    }

    private static CatalogItem current(Snapshot s, String itemId) {
        int o = s.catalog().ordinalOf(itemId);
        return o < 0 ? null : s.catalog().item(o);
    }

    /**
     * Sets {@code w}'s item state on {@code s}: a delete tombstones the ordinal; an upsert with
     * the item's current vector replaces the metadata in place; one with a new vector retires the
     * old ordinal and appends the item under a new one. Only the thread that owns {@code s}'s
     * writes calls this (the writer thread, or the bundle thread before {@code s} is published).
     */
    static void apply(Snapshot s, ItemWrite w, float[] vector) {
        Catalog catalog = s.catalog();
        ItemIndex index = s.index();
        int o = catalog.ordinalOf(w.itemId());
        if (w.op() == Op.DELETE) {
            if (o >= 0) {
                index.remove(o);
                catalog.remove(o);
            }
        } else {
            float[] existing = o < 0 ? null : index.vector(o);
            if (o >= 0 && vector != null && java.util.Arrays.equals(existing, vector)) {
                catalog.replace(o, w.item());
            } else {
                if (vector == null) throw new IllegalStateException("no vector for new item " + w.itemId());
                if (o >= 0) {
                    index.remove(o);
                    catalog.remove(o);
                }
                int next = catalog.ordinalLimit();
                if (next != index.ordinalLimit()) throw new IllegalStateException("catalog and index disagree: " + next + " vs " + index.ordinalLimit() + " ordinals");
                index.add(next, vector);
                catalog.append(w.item());
            }
        }
        s.liveWriteApplied(w.seq());
    }

    private void maybeRequestRebuild(Snapshot s) {
        ItemIndex index = s.index();
        int removed = index.removedCount();
        if (removed >= options.rebuildMinRemoved() && removed > options.rebuildRemovedFraction() * index.ordinalLimit() && !rebuildRequested) {
            rebuildRequested = true;
            LOG.log(System.Logger.Level.INFO, s.version() + ": " + removed + " of " + index.ordinalLimit() + " index ordinals are removed; rebuilding the index");
            listener.rebuildNeeded(s.version());
        }
    }

    // ---------------------------------------------------------------- reads

    /** The item as the serving snapshot has it, or null. Any thread; does not block. */
    public ItemInfo get(String itemId) {
        Snapshot s = registry.peek();
        if (s == null) throw new LiveWriteException(Reason.NO_MODEL, "no model bundle is loaded yet; see /health/ready", null);
        int o = s.catalog().ordinalOf(itemId);
        CatalogItem item = o < 0 ? null : s.catalog().item(o);
        float[] v = o < 0 ? null : s.index().vector(o);
        if (item == null || v == null) return null;
        double sq = 0;
        for (float x : v) sq += (double) x * x;
        ItemWrite w = effective.get(itemId);
        boolean live = w != null && w.op() == Op.UPSERT;
        return new ItemInfo(item, live ? "live" : "bundle", live ? w.at() : null, live ? w.seq() : null, (float) Math.sqrt(sq), s.version());
    }

    /**
     * The serving catalog's digest, taken between two writes (so it matches {@code appliedSeq}
     * exactly); null when nothing serves. Blocks until the writer gets to it.
     */
    public CatalogDigest digest() {
        return callOnWriter(() -> {
            Snapshot s = registry.peek();
            return s == null ? null : CatalogDigest.of(s, appliedSeq);
        });
    }

    // ---------------------------------------------------------------- snapshots

    /**
     * Replays the journal onto {@code fresh}, a snapshot not yet published, on the caller's
     * thread (the bundle manager's): every live item is re-embedded with {@code fresh}'s item
     * tower; writes the bundle already contains are skipped. Writes that arrive meanwhile are
     * applied by {@link #publish}.
     */
    public ReplayReport replayOnto(Snapshot fresh) {
        long t0 = System.nanoTime();
        try {
            // Loads the text encoder now (MiniLM: about half a second) rather than in the first write.
            embedder.embed(fresh, List.of(new CatalogItem("warm-up", "warm up the text encoder", 1.0, null)));
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, fresh.version() + ": live items cannot be embedded by this bundle: " + e.getMessage());
        }
        // A rebuilt snapshot already holds the writes up to its journal sequence; a new bundle's holds none.
        List<ItemWrite> entries = callOnWriter(() -> writesAfter(fresh.journalSequence()));
        int[] counts = entries.isEmpty() ? new int[4] : applyAll(fresh, entries, redundancy(fresh));
        ReplayReport r = new ReplayReport(counts[0], counts[1], counts[2], counts[3], (System.nanoTime() - t0) / 1_000_000);
        if (!entries.isEmpty()) {
            LOG.log(System.Logger.Level.INFO, fresh.version() + ": replayed " + r.applied() + " live writes (" + r.embedded() + " embedded, "
                    + r.redundant() + " already in the bundle, " + r.failed() + " failed) in " + r.millis() + " ms");
        }
        return r;
    }

    /**
     * Publishes {@code fresh} through {@code publisher} on the writer thread, after applying the
     * writes that arrived since {@code fresh} was prepared, and compacts the journal of writes the
     * new bundle contains. Blocks until done; returns what {@code publisher} returned.
     */
    public Snapshot publish(Snapshot fresh, Function<Snapshot, Snapshot> publisher) {
        return callOnWriter(() -> {
            Snapshot current = registry.peek();
            boolean newBundle = current == null || !current.version().equals(fresh.version());
            List<ItemWrite> missed = writesAfter(fresh.journalSequence());
            // Built once: it indexes every id of the bundle.
            Predicate<ItemWrite> redundant = missed.isEmpty() && !newBundle ? null : redundancy(fresh);
            if (!missed.isEmpty()) applyAll(fresh, missed, redundant);
            Snapshot previous = publisher.apply(fresh);
            if (newBundle) compactJournal(fresh, redundant);
            rebuildRequested = false;
            return previous;
        });
    }

    /** A copy of the serving snapshot's live rows, taken between writes; null when nothing serves. */
    public RebuildInput captureForRebuild() {
        return callOnWriter(() -> {
            Snapshot s = registry.peek();
            if (s == null) return null;
            Catalog catalog = s.catalog();
            ItemIndex index = s.index();
            List<CatalogItem> items = new ArrayList<>(catalog.size());
            float[] data = new float[catalog.size() * index.dimensions()];
            int row = 0;
            for (int o = 0; o < catalog.ordinalLimit(); o++) {
                CatalogItem item = catalog.item(o);
                float[] v = item == null ? null : index.vector(o);
                if (v == null) continue;
                items.add(item);
                System.arraycopy(v, 0, data, row++ * v.length, v.length);
            }
            return new RebuildInput(s, items, new Vectors(row, index.dimensions(), java.util.Arrays.copyOf(data, row * index.dimensions())),
                    s.journalSequence());
        });
    }

    /**
     * Applies {@code entries} (seq order) to {@code s}, skipping those its bundle already contains;
     * returns {applied, embedded, redundant, failed}.
     */
    private int[] applyAll(Snapshot s, List<ItemWrite> entries, Predicate<ItemWrite> redundant) {
        List<ItemWrite> kept = entries.stream().filter(redundant.negate()).toList();
        List<ItemWrite> toEmbed = new ArrayList<>();
        List<CatalogItem> items = new ArrayList<>();
        for (ItemWrite w : kept) {
            if (w.op() == Op.UPSERT && ItemEmbedder.needsEmbedding(current(s, w.itemId()), w.item())) {
                toEmbed.add(w);
                items.add(w.item());
            }
        }
        Map<Long, float[]> vectors = new HashMap<>();
        int failed = 0;
        try {
            float[][] v = embedder.embed(s, items);
            for (int i = 0; i < v.length; i++) vectors.put(toEmbed.get(i).seq(), v[i]);
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.ERROR, s.version() + ": embedding " + items.size() + " live items failed; they are not served by this model", e);
            failed = items.size();
        }
        int applied = 0;
        for (ItemWrite w : kept) {
            float[] vector = vectors.get(w.seq());
            if (w.op() == Op.UPSERT && vector == null) {
                int o = s.catalog().ordinalOf(w.itemId());
                vector = o < 0 ? null : s.index().vector(o);
                if (vector == null) continue; // its embedding failed
            }
            apply(s, w, vector);
            applied++;
        }
        return new int[] {applied, vectors.size(), entries.size() - kept.size(), failed};
    }

    /**
     * Which writes the bundle of {@code s} already contains: it was created after the write, and
     * holds the upserted item (in its own items) or lacks the deleted one.
     */
    private static Predicate<ItemWrite> redundancy(Snapshot s) {
        Instant created = createdAt(s);
        if (created == null) return w -> false;
        java.util.Set<String> bundleIds = new java.util.HashSet<>();
        for (CatalogItem i : s.bundle().items()) bundleIds.add(i.itemId());
        return w -> created.isAfter(w.at()) && (w.op() == Op.UPSERT) == bundleIds.contains(w.itemId());
    }

    private static Instant createdAt(Snapshot s) {
        try {
            return Instant.parse(s.manifest().createdAt());
        } catch (DateTimeParseException | NullPointerException e) {
            return null;
        }
    }

    /** Drops the writes {@code s}'s bundle contains and rewrites the journal when that or superseded records make it worth it. */
    private void compactJournal(Snapshot s, Predicate<ItemWrite> redundant) {
        int dropped = 0;
        for (ItemWrite w : List.copyOf(effective.values())) {
            if (redundant.test(w) && effective.remove(w.itemId(), w)) dropped++;
        }
        if (journal != null && (dropped > 0 || journal.records() > 2L * effective.size() + 1000)) {
            long before = journal.records();
            journal.rewrite(sorted(effective.values()));
            LOG.log(System.Logger.Level.INFO, journal.file() + ": compacted from " + before + " to " + journal.records() + " records ("
                    + dropped + " writes contained in bundle " + s.version() + ")");
        }
    }

    /** The latest write of each item whose sequence is after {@code seq}, in sequence order. Writer thread. */
    private List<ItemWrite> writesAfter(long seq) {
        return sorted(effective.values()).stream().filter(w -> w.seq() > seq).toList();
    }

    private static List<ItemWrite> sorted(java.util.Collection<ItemWrite> writes) {
        List<ItemWrite> list = new ArrayList<>(writes);
        list.sort(Comparator.comparingLong(ItemWrite::seq));
        return list;
    }

    private <T> T callOnWriter(java.util.concurrent.Callable<T> task) {
        if (Thread.currentThread() == writer) {
            try {
                return task.call();
            } catch (Exception e) {
                throw e instanceof RuntimeException re ? re : new IllegalStateException(e);
            }
        }
        CompletableFuture<T> f = new CompletableFuture<>();
        if (closed) throw new LiveWriteException(Reason.SHUTTING_DOWN, "the server is shutting down", null);
        queue.add(() -> {
            try {
                f.complete(task.call());
            } catch (Throwable t) {
                f.completeExceptionally(t);
            }
        });
        try {
            return f.join();
        } catch (java.util.concurrent.CompletionException e) {
            throw e.getCause() instanceof RuntimeException re ? re : e;
        }
    }

    /** Stops the writer after the queued work; closes the journal. Blocking. */
    @Override
    public void close() {
        if (closed) return;
        queue.add(() -> closed = true);
        try {
            writer.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        closed = true;
        writer.interrupt();
        if (timeouts != null) timeouts.shutdownNow();
        if (journal != null) journal.close();
    }
}
