package ai.mercury.lifecycle;

import ai.mercury.config.MercuryConfig;
import ai.mercury.core.CatalogItem;
import ai.mercury.events.Events;
import ai.mercury.events.RecommendationIds;
import ai.mercury.feature.TextEncoderRegistry;
import ai.mercury.live.ItemWrite;
import ai.mercury.live.LiveItems;
import ai.mercury.model.Snapshot;
import ai.mercury.model.SnapshotRegistry;

import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;

/**
 * The one owner of what serves: every snapshot that becomes current is published from here, by
 * the {@link BundleManager} (start-up load, hot swaps, pins and rollbacks, index rebuilds), with the
 * live-item writer ({@link LiveItems}) as the barrier that replays journaled writes onto a snapshot
 * before it serves. It also owns the text encoders both sides share, and wires the writer's
 * "rebuild the index" request straight to the bundle side.
 *
 * <p>Plain Java, no Vert.x: the server's {@code IndexManagerVerticle} is its Vert.x face. Threads:
 * the bundle side runs on its own thread, the writer on its own; the methods here may be called
 * from any thread and never block except {@link #stopPublishing()} and {@link #close()}.
 *
 * <p>Shutdown is two steps: {@link #stopPublishing()} (no more swaps; the current snapshot retired),
 * then, once nothing can write any more, {@link #close()} (the writer drains and the journal closes).
 */
public final class ServingLifecycle implements AutoCloseable {
    private final SnapshotRegistry registry;
    private final TextEncoderRegistry textEncoders;
    private final LiveItems live; // null when items.enabled is false
    private final BundleManager bundles;
    private final RecommendationIds recommendationIds = new RecommendationIds();
    private final Events events; // null when events.enabled is false

    /**
     * @throws MercuryConfig.ConfigException when the live-item journal cannot be opened (the message names
     *                                       {@code items.journal_dir})
     */
    public ServingLifecycle(MercuryConfig config, SnapshotRegistry registry, LifecycleEvents events) {
        this.registry = registry;
        this.textEncoders = new TextEncoderRegistry(config.items().textCacheEntries());
        BundleManager[] manager = new BundleManager[1]; // the writer may ask for a rebuild only after a snapshot is published
        try {
            this.live = config.items().enabled() ? new LiveItems(new LiveItems.Options(config.items().journalDir(),
                    config.items().rebuildRemovedFraction(), config.items().rebuildMinRemoved()), textEncoders, registry, new LiveItems.Listener() {
                @Override
                public void written(ItemWrite.Op op, String outcome, long nanos) {
                    events.liveWrite(op.name().toLowerCase(Locale.ROOT), outcome, nanos);
                }

                @Override
                public void rebuildNeeded(String version) {
                    manager[0].rebuildIndex(version);
                }
            }) : null;
        } catch (RuntimeException e) {
            textEncoders.close();
            throw new MercuryConfig.ConfigException("items.journal_dir: " + e.getMessage());
        }
        if (live != null) events.bindLiveGauges(live::journaledItems);
        this.bundles = new BundleManager(config, registry, events, live, textEncoders);
        manager[0] = bundles;
        try {
            this.events = config.events().enabled()
                    ? new Events(config.events(), config.sessions(), recommendationIds, this::canonicalItemId, events::eventLogged) : null;
        } catch (RuntimeException e) {
            bundles.close();
            if (live != null) live.close();
            textEncoders.close();
            throw new MercuryConfig.ConfigException("events.dir: " + e.getMessage());
        }
        events.bindRecommendationIds(recommendationIds);
        if (this.events != null) events.bindSessionGauges(this.events.store()::sessionCount, this.events.store()::userCount);
    }

    /** Loads the start-up bundle in the background, then watches the artifacts directory. Returns at once. */
    public void start() {
        bundles.start();
    }

    /** Completes when the start-up load attempt is over, with the snapshot serving then (null when none). */
    public CompletableFuture<Snapshot> initialLoad() {
        return bundles.initialLoad();
    }

    /** The bundle side's state: active version, pin, directories, history, rejections. Immutable. */
    /**
     * Sets what runs on each new bundle's snapshot before it is published (the server's in-process
     * warm-up of the request path), on the bundle thread. Exceptions are the warmer's to handle.
     */
    public void warmBeforePublishing(java.util.function.Consumer<Snapshot> warmer) {
        bundles.warmer = warmer;
    }

    public BundleStatus status() {
        return bundles.status();
    }

    /** Rejected bundle loads of this process, newest first. */
    public List<BundleStatus.Rejection> rejections() {
        return bundles.status().rejections();
    }

    /** Validates, serves and pins {@code version}; fails with a {@link LifecycleException}. */
    public CompletableFuture<BundleStatus> activate(String version) {
        return bundles.activate(version);
    }

    /** Lifts the pin; the newest valid bundle newer than the active one takes over. */
    public CompletableFuture<BundleStatus> unpin() {
        return bundles.unpin();
    }

    /** The text encoders of the served bundles (shared with the live-item writer); thread-safe. */
    public TextEncoderRegistry textEncoders() {
        return textEncoders;
    }

    /** The live-item writer, or null when {@code items.enabled} is false. */
    public LiveItems liveItems() {
        return live;
    }

    /** Events and sessions, or null when {@code events.enabled} is false. */
    public Events events() {
        return events;
    }

    /** Issues the {@code recommendation_id} of every answer and attributes events to versions. */
    public RecommendationIds recommendationIds() {
        return recommendationIds;
    }

    /** The serving catalog's own copy of an item id (stored events then share its string), or {@code id} when unknown. */
    private String canonicalItemId(String id) {
        Snapshot s = registry.peek();
        if (s == null) return id;
        int ordinal = s.catalog().ordinalOf(id);
        CatalogItem item = ordinal < 0 ? null : s.catalog().item(ordinal);
        return item == null ? id : item.itemId();
    }

    /** Stops swapping and retires the current snapshot; waits for a load in progress. Blocking. */
    public void stopPublishing() {
        bundles.close();
        registry.clear();
    }

    /** After {@link #stopPublishing()}: drains the live-item writer, closes the journal and the text encoders. Blocking. */
    @Override
    public void close() {
        try {
            if (events != null) events.close();
        } finally {
            try {
                if (live != null) live.close();
            } finally {
                textEncoders.close();
            }
        }
    }
}
