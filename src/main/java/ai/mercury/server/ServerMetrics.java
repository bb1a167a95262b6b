package ai.mercury.server;

import ai.mercury.lifecycle.LifecycleEvents;
import ai.mercury.model.Recommendation;
import ai.mercury.model.Snapshot;
import ai.mercury.model.SnapshotRegistry;
import ai.mercury.replication.KafkaEventLog;
import ai.mercury.replication.KafkaItemLog;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.distribution.DistributionStatisticConfig;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.IntSupplier;

/**
 * Mercury's own meters on the Prometheus registry that Vert.x also reports into: stage timers of
 * the serving path (as histograms, so p99 can be computed server-side), the model version being
 * served, index size, bundle swaps (by result, duration, rejections by reason, open snapshots,
 * leaks, pin) and JVM meters. Thread-safe.
 */
public final class ServerMetrics implements LifecycleEvents, AutoCloseable {
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final Timer encode;
    private final Timer inference;
    private final Timer search;
    private final Timer recommend;
    private final Counter noModel;
    private final MultiGauge modelInfo;
    private final Counter swapsActivated;
    private final Counter swapsRejected;
    private final Timer swapActivatedTime;
    private final Timer swapRejectedTime;
    private final Counter leaks;
    private final Counter cacheHits;
    private final Counter cacheMisses;
    private JvmGcMetrics gcMetrics;

    public ServerMetrics(SnapshotRegistry snapshots) {
        registry.config().meterFilter(new MeterFilter() {
            @Override
            public DistributionStatisticConfig configure(Meter.Id id, DistributionStatisticConfig config) {
                if (id.getType() == Meter.Type.TIMER && id.getName().equals("mercury.swap")) {
                    return DistributionStatisticConfig.builder()
                            .percentilesHistogram(true)
                            .minimumExpectedValue((double) Duration.ofMillis(1).toNanos())
                            .maximumExpectedValue((double) Duration.ofMinutes(30).toNanos())
                            .build().merge(config);
                }
                if (id.getType() == Meter.Type.TIMER && (id.getName().startsWith("mercury.") || id.getName().startsWith("vertx.http.server"))) {
                    return DistributionStatisticConfig.builder()
                            .percentilesHistogram(true)
                            .minimumExpectedValue((double) TimeUnit.MICROSECONDS.toNanos(20))
                            .maximumExpectedValue((double) Duration.ofSeconds(10).toNanos())
                            .build().merge(config);
                }
                return config;
            }
        });
        encode = timer("mercury.encode", "feature encoding of a request");
        inference = timer("mercury.inference", "ONNX user tower inference");
        search = timer("mercury.search", "index search and filtering");
        recommend = timer("mercury.recommend", "the whole worker-side serving path");
        noModel = Counter.builder("mercury.requests.no_model").description("requests refused with 503 because no snapshot was loaded").register(registry);
        modelInfo = MultiGauge.builder("mercury.model.info").description("1 for the model version being served").register(registry);
        Gauge.builder("mercury.index.items", snapshots, r -> {
            Snapshot s = r.peek();
            return s == null ? 0 : s.index().size();
        }).description("items in the serving index").register(registry);
        Gauge.builder("mercury.model.healthy", snapshots, r -> {
            Snapshot s = r.peek();
            return s == null || s.unhealthyReason() != null ? 0 : 1;
        }).description("1 while the serving snapshot has given only finite outputs; 0 once a request met a NaN/Infinity (see /admin/bundles), or with no model")
                .register(registry);
        Gauge.builder("mercury.model.loaded", snapshots, r -> r.peek() == null ? 0 : 1)
                .description("1 once a snapshot is serving").register(registry);
        swapsActivated = swapCounter("activated");
        swapsRejected = swapCounter("rejected");
        swapActivatedTime = swapTimer("activated");
        swapRejectedTime = swapTimer("rejected");
        leaks = Counter.builder("mercury.snapshot.leaks")
                .description("retired snapshots still referenced swap.leak_warn_ms after their swap (each counted once)").register(registry);
        cacheHits = Counter.builder("mercury.cache.requests").tag("result", "hit")
                .description("/recommend requests answered from the response cache (hit) or computed (miss); only with cache.enabled").register(registry);
        cacheMisses = Counter.builder("mercury.cache.requests").tag("result", "miss")
                .description("/recommend requests answered from the response cache (hit) or computed (miss); only with cache.enabled").register(registry);
        new JvmMemoryMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ClassLoaderMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        gcMetrics = new JvmGcMetrics();
        gcMetrics.bindTo(registry);
    }

    private Counter swapCounter(String result) {
        return Counter.builder("mercury.swaps").tag("result", result)
                .description("bundle loads by result: activated (validated, warmed and published) or rejected").register(registry);
    }

    private Timer swapTimer(String result) {
        return Timer.builder("mercury.swap").tag("result", result)
                .description("time from the start of a bundle's validation to its publication (or rejection)").register(registry);
    }

    private Timer timer(String name, String description) {
        return Timer.builder(name).description(description).register(registry);
    }

    public PrometheusMeterRegistry registry() {
        return registry;
    }

    void recordRecommendation(Recommendation r, long totalNanos) {
        encode.record(r.encodeNanos(), TimeUnit.NANOSECONDS);
        inference.record(r.inferenceNanos(), TimeUnit.NANOSECONDS);
        search.record(r.searchNanos(), TimeUnit.NANOSECONDS);
        recommend.record(totalNanos, TimeUnit.NANOSECONDS);
    }

    void recordCacheLookup(boolean hit) {
        (hit ? cacheHits : cacheMisses).increment();
    }

    /** Gauges of the response cache: entries held and evictions (by size or TTL). */
    void bindCache(ResponseCache cache) {
        Gauge.builder("mercury.cache.entries", cache, c -> c.caffeine().estimatedSize()).strongReference(true)
                .description("answers held by the response cache").register(registry);
        io.micrometer.core.instrument.FunctionCounter.builder("mercury.cache.evictions", cache, c -> c.caffeine().stats().evictionCount())
                .description("response cache entries evicted by size or age").register(registry);
    }

    /**
     * Meters of the Kafka replication (with {@code replication.kafka.bootstrap_servers}; either log
     * may be null): per topic, the records this replica is behind the topic's end, what it applied,
     * skipped, produced and failed to produce; for the catalog topic its offset, and whether the
     * cluster answers. Read from the logs' status at each scrape.
     */
    void bindReplication(KafkaItemLog items, KafkaEventLog events) {
        if (items != null) {
            Tags topic = Tags.of("topic", items.status().topic());
            Gauge.builder("mercury.replication.lag", items, l -> l.status().lag()).tags(topic).strongReference(true)
                    .description("records this replica has not applied yet: the topic's end offset (asked about once a second) minus its position").register(registry);
            Gauge.builder("mercury.replication.offset", items, l -> l.status().offset()).tags(topic).strongReference(true)
                    .description("the catalog topic's offset this replica has applied up to (its applied_seq); equal offsets serve equal catalogs").register(registry);
            Gauge.builder("mercury.replication.reachable", items, l -> l.status().reachable() ? 1 : 0).strongReference(true)
                    .description("1 while the Kafka cluster answers; 0 while it is unreachable and live writes answer 503 unavailable").register(registry);
            Gauge.builder("mercury.replication.contact.age", items, l -> {
                java.time.Instant last = l.status().lastContactAt();
                return last == null ? Double.NaN : Math.max(0, System.currentTimeMillis() - last.toEpochMilli()) / 1000.0;
            }).baseUnit("seconds").strongReference(true)
                    .description("time since this replica last heard from the Kafka cluster (a fetch, a probe or an acknowledged write)").register(registry);
            replicationCounters(topic, items, l -> l.status().recordsApplied(), l -> l.status().recordsSkipped(),
                    l -> l.status().produced(), l -> l.status().produceFailures());
        }
        if (events != null) {
            Tags topic = Tags.of("topic", events.status().topic());
            Gauge.builder("mercury.replication.lag", events, l -> l.status().lag()).tags(topic).strongReference(true)
                    .description("records this replica has not applied yet: the topic's end offset (asked about once a second) minus its position").register(registry);
            replicationCounters(topic, events, l -> l.status().applied(), l -> l.status().unreadable(),
                    l -> l.status().produced(), l -> l.status().produceFailures());
        }
    }

    private <T> void replicationCounters(Tags topic, T log, java.util.function.ToDoubleFunction<T> applied, java.util.function.ToDoubleFunction<T> skipped,
                                         java.util.function.ToDoubleFunction<T> produced, java.util.function.ToDoubleFunction<T> failed) {
        io.micrometer.core.instrument.FunctionCounter.builder("mercury.replication.records.applied", log, applied).tags(topic)
                .description("records of the topic applied by this replica: catalog writes (every replica's), or other replicas' events").register(registry);
        io.micrometer.core.instrument.FunctionCounter.builder("mercury.replication.records.skipped", log, skipped).tags(topic)
                .description("records of the topic that were not Mercury's and were skipped (logged); another writer on the topic").register(registry);
        io.micrometer.core.instrument.FunctionCounter.builder("mercury.replication.produced", log, produced).tags(topic)
                .description("records this replica produced that Kafka acknowledged").register(registry);
        io.micrometer.core.instrument.FunctionCounter.builder("mercury.replication.produce.failures", log, failed).tags(topic)
                .description("records this replica tried to produce that Kafka did not take (a catalog write answered 503; an event only in the local log)")
                .register(registry);
    }

    /** A {@code /recommend} refused with 503 instead of being computed, by reason (docs/operations.md lists them). */
    void shed(String reason) {
        Counter.builder("mercury.requests.shed").tag("reason", reason)
                .description("/recommend requests refused with 503 instead of computed: max_in_flight, max_in_flight_expensive, queue_wait (waited past the budget), deadline (caller gone), loop_lag (the event loop is behind), rate_limit (inference.admission_rate)")
                .register(registry).increment();
    }

    /** Gauge: {@code /recommend} requests being computed or waiting for a worker. */
    void bindInFlight(IntSupplier inFlight) {
        Gauge.builder("mercury.inference.in_flight", inFlight, IntSupplier::getAsInt).strongReference(true)
                .description("/recommend requests being computed or waiting for an inference worker").register(registry);
    }

    /**
     * A request met a non-finite model output on {@code s}: counts it, marks the snapshot unhealthy
     * (logged once per snapshot, so a broken model cannot flood the log), and returns the 500 to answer.
     */
    ApiException modelOutputInvalid(Snapshot s, ai.mercury.model.ModelOutputException e) {
        Counter.builder("mercury.model.output_invalid").tag("model_version", s.version())
                .description("requests answered 500 model_output_invalid because a tower or search gave NaN/Infinity, by model version")
                .register(registry).increment();
        if (s.markUnhealthy(e.getMessage())) {
            System.getLogger(ServerMetrics.class.getName()).log(System.Logger.Level.ERROR, "model " + s.version()
                    + " is unhealthy: " + e.getMessage() + "; such requests are answered 500 model_output_invalid (publish a fixed bundle or roll back)");
        }
        return new ApiException(500, "model_output_invalid", "model " + s.version()
                + " gave an invalid (non-finite) result for this request; the operators are told through /admin/bundles and mercury_model_healthy");
    }

    /** Gauge: open HTTP connections across the HTTP verticles. */
    void bindConnections(IntSupplier open) {
        Gauge.builder("mercury.http.connections", open, IntSupplier::getAsInt).strongReference(true)
                .description("open HTTP connections (at most http.max_connections)").register(registry);
    }

    /** A connection the server closed, by reason: read_timeout, keepalive_timeout, evicted_idle, over_limit. */
    void connectionClosed(String reason) {
        Counter.builder("mercury.http.connections.closed").tag("reason", reason)
                .description("connections the server closed: read_timeout (slow request), keepalive_timeout (no next request), "
                        + "evicted_idle (made room past http.max_connections), over_limit (past it with none idle)")
                .register(registry).increment();
    }

    void recordNoModel() {
        noModel.increment();
    }

    private volatile ai.mercury.events.RecommendationIds recommendationIds;

    @Override
    public void bindRecommendationIds(ai.mercury.events.RecommendationIds ids) {
        this.recommendationIds = ids;
    }

    /** Called when a snapshot becomes current. */
    @Override
    public void modelActivated(Snapshot s) {
        ai.mercury.events.RecommendationIds ids = recommendationIds;
        if (ids != null) {
            ids.served(s.version());
            String version = s.version();
            io.micrometer.core.instrument.FunctionCounter.builder("mercury.recommendations", ids, i -> i.issued(version)).tag("model_version", version)
                    .description("/recommend answers (each with a recommendation_id) by the model version that ranked them").register(registry);
        }
        modelInfo.register(List.of(MultiGauge.Row.of(Tags.of("version", s.version(), "index", s.index().kind()), 1)), true);
    }

    @Override
    public void swapActivated(long nanos) {
        swapsActivated.increment();
        swapActivatedTime.record(nanos, TimeUnit.NANOSECONDS);
    }

    @Override
    public void swapRejected(String reason, long nanos) {
        swapsRejected.increment();
        swapRejectedTime.record(nanos, TimeUnit.NANOSECONDS);
        Counter.builder("mercury.bundle.rejections").tag("reason", reason)
                .description("rejected bundle loads by reason code").register(registry).increment();
    }

    /** One live item write by operation and outcome (created, updated, deleted, or the refusal reason). */
    @Override
    public void liveWrite(String op, String outcome, long nanos) {
        Counter.builder("mercury.live.writes").tag("op", op).tag("outcome", outcome)
                .description("live item writes (PUT/DELETE /items) by operation and outcome").register(registry).increment();
        Timer.builder("mercury.live.write").tag("op", op)
                .description("a live item write from its arrival at the writer to its acknowledgement (embedding, journal fsync, index insert)")
                .register(registry).record(nanos, TimeUnit.NANOSECONDS);
    }

    /** Gauge: items with a write in the live journal. */
    @Override
    public void bindLiveGauges(IntSupplier journaledItems) {
        Gauge.builder("mercury.live.items", journaledItems, IntSupplier::getAsInt).strongReference(true)
                .description("items with a live write (upsert or delete) in the journal").register(registry);
    }

    /** Counters by type and by (type, version), kept so that counting an event is one map lookup. */
    private final java.util.concurrent.ConcurrentHashMap<String, Counter> eventCounters = new java.util.concurrent.ConcurrentHashMap<>();

    @Override
    public void eventLogged(String type, String modelVersion) {
        eventCounters.computeIfAbsent(type, t -> Counter.builder("mercury.events").tag("type", t)
                .description("events accepted by POST /events and written to the event log, by type").register(registry)).increment();
        if (modelVersion != null) {
            eventCounters.computeIfAbsent(type + '\n' + modelVersion, k -> Counter.builder("mercury.attributed.events").tag("type", type)
                    .tag("model_version", modelVersion)
                    .description("logged events that carried a recommendation_id, by type and the model version that ranked that answer ('unknown': not served by this process)")
                    .register(registry)).increment();
        }
    }

    @Override
    public void bindEventGauges(java.util.function.LongSupplier sessions, java.util.function.LongSupplier users, java.util.function.LongSupplier shedEvents) {
        io.micrometer.core.instrument.FunctionCounter.builder("mercury.events.shed", shedEvents, s -> s.getAsLong())
                .description("events refused with 503 overloaded because the event log's writer was behind (events.max_pending)").register(registry);
        Gauge.builder("mercury.sessions", sessions, s -> s.getAsLong()).strongReference(true)
                .description("sessions held by the session store").register(registry);
        Gauge.builder("mercury.session.users", users, s -> s.getAsLong()).strongReference(true)
                .description("users held by the session store").register(registry);
    }

    @Override
    public void snapshotLeaked() {
        leaks.increment();
    }

    /** Gauges read from the index manager: open snapshots (active + retired still in use), and whether a pin holds. */
    @Override
    public void bindBundleGauges(IntSupplier openSnapshots, BooleanSupplier pinned) {
        Gauge.builder("mercury.snapshots.open", openSnapshots, IntSupplier::getAsInt).strongReference(true)
                .description("snapshots whose ONNX sessions are open: the active one plus retired ones still in use").register(registry);
        Gauge.builder("mercury.bundle.pinned", pinned, p -> p.getAsBoolean() ? 1 : 0).strongReference(true)
                .description("1 while a pin holds the served version").register(registry);
    }

    @Override
    public void close() {
        if (gcMetrics != null) gcMetrics.close();
        registry.close();
    }
}
