package ai.mercury.events;

import ai.mercury.config.EventsConfig;
import ai.mercury.config.SessionsConfig;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.UnaryOperator;

/**
 * Events and sessions, as one service: validated events go to the {@link EventLog} and, once
 * written, into the {@link SessionStore}; forgetting writes a tombstone and drops the state; at
 * start-up the store is rebuilt from the log's last {@code sessions.idle_ttl_ms}. Plain Java, no
 * Vert.x. Thread-safe: called from the event loops, the log's writer thread applies.
 */
public final class Events implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(Events.class.getName());

    private final EventsConfig config;
    private final SessionStore store;
    private final RecommendationIds ids;
    private final EventParser parser;
    private final EventLog log;
    private final Listener listener;
    private final UnaryOperator<String> catalogCopy;
    /** Where logged records also go (the Kafka events topic, with replication); null on one node. */
    private volatile java.util.function.Consumer<List<?>> outbound;
    private final java.util.concurrent.atomic.LongAdder shed = new java.util.concurrent.atomic.LongAdder();

    /** Told about every event applied (after it is in the log). Called on the log's writer thread. */
    public interface Listener {
        /** @param modelVersion the attributed version, or null for an event without a recommendation id */
        void eventLogged(String type, String modelVersion);
    }

    /**
     * Opens the log (locking its directory), rebuilds the store from its recent part and starts the writer.
     *
     * @param catalogCopy maps an item id to the catalog's own copy of it (so stored events share the
     *                    catalog's strings and get a compact code), or to null when the item is not in the catalog
     */
    public Events(EventsConfig config, SessionsConfig sessions, RecommendationIds ids, UnaryOperator<String> catalogCopy, Listener listener) {
        this.config = config;
        this.ids = ids;
        this.listener = listener;
        this.catalogCopy = catalogCopy;
        this.store = new SessionStore(sessions, config.types());
        this.parser = new EventParser(config, ids);
        long started = System.nanoTime();
        long since = System.currentTimeMillis() - sessions.idleTtlMs();
        long[] replayed = new long[1];
        long bad = EventLogReader.read(config.dir(), since, r -> {
            apply(r, false);
            replayed[0]++;
        });
        LOG.log(System.Logger.Level.INFO, "sessions rebuilt from the event log's last " + sessions.idleTtlMs() / 1000 + " s: " + replayed[0]
                + " records, " + store.sessionCount() + " sessions, " + store.userCount() + " users in " + (System.nanoTime() - started) / 1_000_000 + " ms"
                + (bad > 0 ? "; " + bad + " unreadable lines skipped" : ""));
        this.log = new EventLog(new EventLog.Options(config.dir(), config.flushMs(), config.segmentBytes(), config.retentionDays()),
                records -> {
                    records.forEach(r -> apply(r, true));
                    java.util.function.Consumer<List<?>> out = outbound;
                    if (out != null) out.accept(records);
                });
    }

    /**
     * With replication: every record this replica logs (events, tombstones) is also handed to
     * {@code sink} (on the log's writer thread, after the local write; it must not block), and the
     * records other replicas logged arrive through {@link #applyReplicated}.
     */
    public void replicateTo(java.util.function.Consumer<List<?>> sink) {
        this.outbound = sink;
    }

    /**
     * Records events and tombstones another replica logged into this replica's session store (not
     * into its local log, which keeps what this replica received). Any thread.
     */
    public void applyReplicated(List<?> records) {
        for (Object r : records) apply(r, false);
    }

    /** One record (an {@link Event} or a {@link Forget}) as a JSON object, UTF-8: the log line, and the Kafka record value. */
    public static byte[] encode(Object record) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream(256);
        try (com.fasterxml.jackson.core.JsonGenerator g = new com.fasterxml.jackson.core.JsonFactory().createGenerator(out)) {
            if (record instanceof Event e) e.write(g);
            else ((Forget) record).write(g);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /** The record {@link #encode} wrote, or null when {@code bytes} is not one. */
    public static Object decode(byte[] bytes) {
        return EventLogReader.parse(new String(bytes, java.nio.charset.StandardCharsets.UTF_8));
    }

    /** The Kafka key of a record: the session (events of one session stay in order), else the user. */
    public static String key(Object record) {
        if (record instanceof Event e) return e.sessionId() != null ? e.sessionId() : e.userId();
        return ((Forget) record).id();
    }

    /** Synchronized: with replication two threads record (the log's writer and the Kafka follower), and a session's ring has one writer at a time. */
    private synchronized void apply(Object record, boolean count) {
        if (record instanceof Event e) {
            store.record(e, catalogCopy.apply(e.itemId()));
            if (count && listener != null) listener.eventLogged(e.type(), e.modelVersion());
        } else if (record instanceof Forget f) {
            if (f.scope() == Forget.Scope.SESSION) store.forgetSession(f.id());
            else store.forgetUser(f.id());
        }
    }

    public EventParser parser() {
        return parser;
    }

    public SessionStore store() {
        return store;
    }

    public RecommendationIds ids() {
        return ids;
    }

    public EventsConfig config() {
        return config;
    }

    /** Events refused because the writer was behind, since start. */
    public long shedCount() {
        return shed.sum();
    }

    /**
     * Logs the accepted events of a batch and records them; see {@link EventLog#append} for when it
     * completes. Null when that would leave more than {@code events.max_pending} events waiting for
     * the writer (it is behind): nothing is logged, the events are counted as shed ({@link #shedCount})
     * and the caller refuses them.
     */
    public CompletableFuture<Void> ingest(List<Event> accepted, boolean sync) {
        CompletableFuture<Void> done = log.appendWithin(accepted, sync, config.maxPending());
        if (done == null) shed.add(accepted.size());
        return done;
    }

    /**
     * Drops a session (or a user with its sessions) and writes a tombstone; completes once the
     * tombstone is fsynced, with whether the store held that id.
     */
    public CompletableFuture<Boolean> forget(Forget.Scope scope, String id) {
        boolean found = scope == Forget.Scope.SESSION ? store.holdsSession(id) : store.holdsUser(id);
        return log.append(List.of(new Forget(scope, id, System.currentTimeMillis())), true).thenApply(v -> found);
    }

    /** When the log was last fsynced (epoch ms). */
    public long lastFlushMs() {
        return log.lastForceMs();
    }

    @Override
    public void close() {
        log.close();
    }
}
