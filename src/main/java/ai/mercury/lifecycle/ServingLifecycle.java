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
import ai.mercury.replication.KafkaEventLog;
import ai.mercury.replication.KafkaItemLog;
import ai.mercury.replication.ReplicationException;

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
    private final KafkaItemLog itemLog; // null unless replication.kafka.bootstrap_servers is set (and items are enabled)
    private final BundleManager bundles;
    private final RecommendationIds recommendationIds = new RecommendationIds();
    private final Events events; // null when events.enabled is false
    private final KafkaEventLog eventLog; // null unless replication is on with replication.kafka.replicate_events (and events are enabled)

    /**
     * @throws MercuryConfig.ConfigException when the live-item journal cannot be opened (the message names
     *                                       {@code items.journal_dir})
     */
    public ServingLifecycle(MercuryConfig config, SnapshotRegistry registry, LifecycleEvents events) {
        this.registry = registry;
        this.textEncoders = new TextEncoderRegistry(config.items().textCacheEntries());
        BundleManager[] manager = new BundleManager[1]; // the writer may ask for a rebuild only after a snapshot is published
        LiveItems.Listener listener = new LiveItems.Listener() {
            @Override
            public void written(ItemWrite.Op op, String outcome, long nanos) {
                events.liveWrite(op.name().toLowerCase(Locale.ROOT), outcome, nanos);
            }

            @Override
            public void rebuildNeeded(String version) {
                manager[0].rebuildIndex(version);
            }
        };
        LiveItems.Options options = new LiveItems.Options(config.items().journalDir(), config.items().rebuildRemovedFraction(),
                config.items().rebuildMinRemoved());
        boolean replicated = config.items().enabled() && config.replication().enabled();
        KafkaItemLog log = null;
        LiveItems writer = null;
        try {
            if (replicated) {
                // Kafka is the log: no journal; the topic is read to its end here, before the first bundle loads.
                log = new KafkaItemLog(config.replication());
                writer = new LiveItems(options, textEncoders, registry, listener,
                        new LiveItems.Shared(log, config.replication().writeTimeoutMs(), config.replication().readYourWrites()));
                log.start(writer);
            } else if (config.items().enabled()) {
                writer = new LiveItems(options, textEncoders, registry, listener);
            }
        } catch (RuntimeException e) {
            if (log != null) log.close();
            if (writer != null) writer.close();
            textEncoders.close();
            if (e instanceof ReplicationException) {
                throw new MercuryConfig.ConfigException("replication.kafka.bootstrap_servers: " + e.getMessage());
            }
            throw new MercuryConfig.ConfigException("items.journal_dir: " + e.getMessage());
        }
        this.live = writer;
        this.itemLog = log;
        if (live != null) events.bindLiveGauges(live::journaledItems);
        this.bundles = new BundleManager(config, registry, events, live, textEncoders);
        manager[0] = bundles;
        try {
            this.events = config.events().enabled()
                    ? new Events(config.events(), config.sessions(), recommendationIds, this::catalogItemId, events::eventLogged) : null;
        } catch (RuntimeException e) {
            bundles.close();
            if (itemLog != null) itemLog.close();
            if (live != null) live.close();
            textEncoders.close();
            throw new MercuryConfig.ConfigException("events.dir: " + e.getMessage());
        }
        KafkaEventLog sessionsLog = null;
        if (this.events != null && config.replication().enabled() && config.replication().replicateEvents()) {
            try {
                sessionsLog = new KafkaEventLog(config.replication(), this.events, config.events().dir(), config.sessions().idleTtlMs());
                sessionsLog.start();
            } catch (RuntimeException e) {
                if (sessionsLog != null) sessionsLog.close();
                this.events.close();
                bundles.close();
                if (itemLog != null) itemLog.close();
                if (live != null) live.close();
                textEncoders.close();
                throw new MercuryConfig.ConfigException("replication.kafka.bootstrap_servers: " + e.getMessage());
            }
        }
        this.eventLog = sessionsLog;
        events.bindRecommendationIds(recommendationIds);
        if (this.events != null) events.bindEventGauges(this.events.store()::sessionCount, this.events.store()::userCount, this.events::shedCount);
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

    /** What serves (read-only use: the lifecycle is the only publisher). */
    public SnapshotRegistry snapshots() {
        return registry;
    }

    /** The Kafka log of the live catalog, or null on one node (no {@code replication.kafka.bootstrap_servers}). */
    public KafkaItemLog itemLog() {
        return itemLog;
    }

    /** The Kafka events topic that shares sessions between replicas, or null. */
    public KafkaEventLog eventLog() {
        return eventLog;
    }

    /** Events and sessions, or null when {@code events.enabled} is false. */
    public Events events() {
        return events;
    }

    /** Issues the {@code recommendation_id} of every answer and attributes events to versions. */
    public RecommendationIds recommendationIds() {
        return recommendationIds;
    }

    /** The serving catalog's own copy of an item id (stored events then share its string and get a code), or null when it is not in the catalog. */
    private String catalogItemId(String id) {
        Snapshot s = registry.peek();
        if (s == null) return null;
        int ordinal = s.catalog().ordinalOf(id);
        CatalogItem item = ordinal < 0 ? null : s.catalog().item(ordinal);
        return item == null ? null : item.itemId();
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
            if (eventLog != null) eventLog.close(); // first: it feeds the session store and is fed by the event log
            if (events != null) events.close();
        } finally {
            try {
                if (itemLog != null) itemLog.close(); // first: it feeds the writer
                if (live != null) live.close();
            } finally {
                textEncoders.close();
            }
        }
    }
}
