package ai.mercury.model;

import ai.mercury.bundle.Bundle;
import ai.mercury.bundle.Manifest;
import ai.mercury.feature.FeatureEncoder;
import ai.mercury.feature.FeatureEncoder.HistorySource;
import ai.mercury.index.ItemIndex;

import java.time.Instant;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Everything that must agree to answer a request: version, manifest, feature encoder, both ONNX
 * towers, catalog, vectors and index. A request acquires the current snapshot once (through
 * {@link SnapshotRegistry#acquire()}) and uses only it. The bundle part is immutable; the catalog
 * and index also hold the live items, which the one live-item writer adds and removes while
 * requests read ({@link ai.mercury.live.LiveItems}); {@link #cacheEpoch()} moves with those changes.
 *
 * <p>Reference counted: the registry holds one reference while the snapshot is current, each
 * in-flight request holds one more. {@link #retire()} drops the registry's reference; the native
 * resources (ONNX sessions, index) are closed by whichever {@link #release()} brings the count to
 * zero, so a swap never pulls a session from under a running request.
 */
public final class Snapshot {
    private static final System.Logger LOG = System.getLogger(Snapshot.class.getName());

    private final Bundle bundle;
    private final FeatureEncoder encoder;
    private final OnnxTower userTower;
    private final OnnxTower itemTower;
    private final Catalog catalog;
    private final ItemIndex index;
    private final Instant loadedAt = Instant.now();
    private final AtomicInteger refs = new AtomicInteger(1);
    private final AtomicBoolean retired = new AtomicBoolean();
    /**
     * Epochs are drawn from one process-wide counter, so no two snapshots ever share one: a
     * snapshot of the same version (an index rebuild, a rollback to a version served before) must
     * not meet the cache entries of its predecessor under a repeated (version, epoch) key.
     */
    private static final AtomicLong EPOCHS = new AtomicLong();
    private volatile long cacheEpoch = EPOCHS.incrementAndGet();
    private volatile long journalSequence;
    private final HistorySource history = new HistorySource() {
        @Override
        public boolean addVector(String itemId, float[] acc) {
            int ordinal = catalog.ordinalOf(itemId);
            float[] v = ordinal < 0 ? null : index.vector(ordinal);
            if (v == null) return false; // unknown, or deleted while this request ran
            for (int d = 0; d < acc.length; d++) acc[d] += v[d];
            return true;
        }

        @Override
        public boolean contains(String itemId) {
            return catalog.ordinalOf(itemId) >= 0;
        }
    };
    private volatile boolean closed;
    /** Set when a live request met a non-finite model output; the snapshot keeps serving other inputs. */
    private volatile String unhealthyReason;
    private final Hybrid.Bound hybrid;

    Snapshot(Bundle bundle, FeatureEncoder encoder, OnnxTower userTower, OnnxTower itemTower, Catalog catalog, ItemIndex index) {
        this(bundle, encoder, userTower, itemTower, catalog, index, null);
    }

    /** With the bundle's hybrid part (null: the model alone), bound to {@code catalog}'s ordinals as they are now. */
    Snapshot(Bundle bundle, FeatureEncoder encoder, OnnxTower userTower, OnnxTower itemTower, Catalog catalog, ItemIndex index, Hybrid hybrid) {
        this.bundle = bundle;
        this.encoder = encoder;
        this.userTower = userTower;
        this.itemTower = itemTower;
        this.catalog = catalog;
        this.index = index;
        this.hybrid = hybrid == null ? null : hybrid.bind(catalog);
    }

    /** The hybrid part bound to this snapshot's ordinals; null when the bundle has none. */
    Hybrid.Bound hybridBound() {
        return hybrid;
    }

    /**
     * The catalog ordinal of the item bought most often with the item at {@code ordinal}, {@code j}-th
     * by count (the item itself is in that list, with its own count), or -1: no hybrid part, an item
     * without counts, or a shorter list.
     */
    public int cooccurrenceNeighbour(int ordinal, int j) {
        if (hybrid == null || j < 0 || j >= hybrid.hybrid().signals().neighbours()) return -1;
        int row = hybrid.rowOf(ordinal);
        int neighbour = row < 0 ? -1 : hybrid.hybrid().signals().neighbour(row, j);
        return neighbour < 0 ? -1 : hybrid.ordinalOf(neighbour);
    }

    /** The bundle's hybrid part (signals and weights); null when it has none. */
    public Hybrid hybrid() {
        return hybrid == null ? null : hybrid.hybrid();
    }

    public String version() {
        return bundle.version();
    }

    public Manifest manifest() {
        return bundle.manifest();
    }

    public Bundle bundle() {
        return bundle;
    }

    public FeatureEncoder encoder() {
        return encoder;
    }

    public OnnxTower userTower() {
        return userTower;
    }

    public OnnxTower itemTower() {
        return itemTower;
    }

    public Catalog catalog() {
        return catalog;
    }

    public ItemIndex index() {
        return index;
    }

    /** History vectors for the feature encoder: bundle and live items, by id. */
    public HistorySource history() {
        return history;
    }

    /** The live-item journal's sequence number up to which writes are applied to this snapshot. */
    public long journalSequence() {
        return journalSequence;
    }

    /** Called by the live-item writer after it applied the write with sequence {@code seq}. */
    public void liveWriteApplied(long seq) {
        journalSequence = Math.max(journalSequence, seq);
        cacheEpoch = EPOCHS.incrementAndGet();
    }

    /**
     * Marks this snapshot as having produced an invalid (non-finite) output for a live request:
     * {@code /admin/bundles} and the {@code mercury.model.healthy} gauge report it until another
     * snapshot is published. True only for the first call, so the caller logs once.
     */
    public synchronized boolean markUnhealthy(String reason) {
        if (unhealthyReason != null) return false;
        unhealthyReason = reason;
        return true;
    }

    /** Null while healthy; else why not (see {@link #markUnhealthy}). */
    public String unhealthyReason() {
        return unhealthyReason;
    }

    public Instant loadedAt() {
        return loadedAt;
    }

    /**
     * Changes whenever what this snapshot answers changes without a new {@link #version()} (live
     * item writes move it on), and differs between any two snapshots. Response caches key on {@code (version(), cacheEpoch())}
     * and read it <em>before</em> computing an answer, so an answer computed across a change is
     * stored under the old epoch, which no later lookup uses.
     */
    public long cacheEpoch() {
        return cacheEpoch;
    }

    /** Takes a reference; false when the snapshot is already closing (re-read the registry). */
    public boolean tryAcquire() {
        for (int r = refs.get(); r > 0; r = refs.get()) {
            if (refs.compareAndSet(r, r + 1)) return true;
        }
        return false;
    }

    /** Drops a reference taken by {@link #tryAcquire()}; the last one closes the native resources. */
    public void release() {
        int r = refs.decrementAndGet();
        if (r == 0) {
            closeResources();
        } else if (r < 0) {
            LOG.log(System.Logger.Level.ERROR, "snapshot " + version() + " released more often than acquired");
        }
    }

    /**
     * Drops the owner's reference: called once by the registry when this snapshot stops being
     * current, or by whoever loaded a snapshot that was never published (CLI, evaluator).
     */
    public void retire() {
        if (retired.compareAndSet(false, true)) release();
    }

    public boolean isRetired() {
        return retired.get();
    }

    public boolean isClosed() {
        return closed;
    }

    /** References still held by requests (plus one for the registry while current). */
    public int references() {
        return Math.max(0, refs.get());
    }

    private void closeResources() {
        closed = true;
        try {
            userTower.close();
        } finally {
            try {
                itemTower.close();
            } finally {
                index.close();
            }
        }
        LOG.log(System.Logger.Level.INFO, "snapshot " + version() + " closed");
    }

    @Override
    public String toString() {
        return "Snapshot[" + version() + ", " + catalog.size() + " items, " + index.kind() + "]";
    }
}
