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

    /** Callbacks to the server: metrics and the rebuild request. */
    public interface Listener {
        default void written(Op op, String outcome, long nanos) {}

        /** The serving snapshot has many removed ordinals: rebuild its index (see {@link #captureForRebuild}). */
        default void rebuildNeeded(String version) {}
    }

    /** What a write did. {@code status}: created, updated or deleted. */
    public record WriteResult(String itemId, String status, boolean embedded, long seq, String modelVersion, long nanos) {}

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
    private Journal journal; // writer thread
    private long nextSeq = 1; // writer thread
    private volatile boolean closed;
    private volatile boolean rebuildRequested;

    public LiveItems(Options options, TextEncoderRegistry encoders, SnapshotRegistry registry, Listener listener) {
        this.options = options;
        this.registry = registry;
        this.listener = listener;
        this.embedder = new ItemEmbedder(encoders);
        List<ItemWrite> replay = new ArrayList<>();
        this.journal = Journal.open(options.journalDir(), replay);
        for (ItemWrite w : replay) {
            effective.put(w.itemId(), w);
            nextSeq = w.seq() + 1;
        }
        LOG.log(System.Logger.Level.INFO, journal.file() + ": " + replay.size() + " records, " + effective.size() + " items with live writes");
        this.writer = new Thread(this::run, "mercury-live-items");
        writer.setDaemon(true);
        writer.start();
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
        boolean existed;

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
            listener.written(op, reason.name().toLowerCase(java.util.Locale.ROOT), System.nanoTime() - start);
            done.completeExceptionally(new LiveWriteException(reason, message, cause));
        }
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

    /** Checks and embeds each write, journals the accepted ones with one fsync, applies and acknowledges them. */
    private void processGroup(List<Pending> group) {
        if (group.isEmpty()) return;
        Snapshot s = registry.peek();
        if (s == null) {
            for (Pending p : group) p.fail(Reason.NO_MODEL, "no model bundle is loaded yet; see /health/ready", null);
            return;
        }
        Map<String, CatalogItem> inGroup = new HashMap<>(); // state after the earlier writes of this group (null = deleted)
        List<Pending> accepted = new ArrayList<>(group.size());
        Instant now = Instant.now();
        for (Pending p : group) {
            CatalogItem before = inGroup.containsKey(p.itemId) ? inGroup.get(p.itemId) : current(s, p.itemId);
            p.existed = before != null;
            if (p.op == Op.DELETE) {
                if (before == null) {
                    p.fail(Reason.NOT_FOUND, "there is no item " + p.itemId + " in model " + s.version(), null);
                    continue;
                }
                inGroup.put(p.itemId, null);
                p.write = ItemWrite.delete(nextSeq++, now, p.itemId);
            } else {
                if (ItemEmbedder.needsEmbedding(before, p.item)) {
                    try {
                        p.vector = embedder.embed(s, List.of(p.item))[0];
                    } catch (RuntimeException e) {
                        LOG.log(System.Logger.Level.ERROR, "embedding live item " + p.itemId + " on " + s.version() + " failed", e);
                        p.fail(Reason.EMBEDDING, "the item could not be embedded by model " + s.version() + ": " + e.getMessage(), e);
                        continue;
                    }
                }
                inGroup.put(p.itemId, p.item);
                p.write = ItemWrite.upsert(nextSeq++, now, p.item);
            }
            accepted.add(p);
        }
        if (accepted.isEmpty()) return;
        try {
            journal.append(accepted.stream().map(p -> p.write).toList());
        } catch (JournalException e) {
            LOG.log(System.Logger.Level.ERROR, "journal append failed; " + accepted.size() + " writes refused", e);
            nextSeq = accepted.get(0).write.seq(); // nothing of the group is in the journal
            for (Pending p : accepted) p.fail(Reason.JOURNAL, "the write could not be made durable: " + e.getMessage(), e);
            return;
        }
        for (Pending p : accepted) {
            float[] vector = p.vector;
            if (p.op == Op.UPSERT && vector == null) {
                // Metadata-only: keep the vector the item has now (possibly from an earlier write of this group).
                int o = s.catalog().ordinalOf(p.itemId);
                vector = o < 0 ? null : s.index().vector(o);
            }
            apply(s, p.write, vector);
            effective.put(p.itemId, p.write);
            long nanos = System.nanoTime() - p.start;
            String status = p.op == Op.DELETE ? "deleted" : p.existed ? "updated" : "created";
            listener.written(p.op, status, nanos);
            p.done.complete(new WriteResult(p.itemId, status, p.vector != null, p.write.seq(), s.version(), nanos));
        }
        maybeRequestRebuild(s);
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
        if (dropped > 0 || journal.records() > 2L * effective.size() + 1000) {
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
        journal.close();
    }
}
