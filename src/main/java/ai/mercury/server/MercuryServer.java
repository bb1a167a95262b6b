package ai.mercury.server;

import ai.mercury.config.MercuryConfig;
import ai.mercury.lifecycle.ServingLifecycle;
import ai.mercury.live.LiveItems;
import ai.mercury.model.SnapshotRegistry;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.ThreadingModel;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.micrometer.Label;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.micrometer.MicrometerMetricsOptions;

import java.util.EnumSet;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Boots Mercury: a Vert.x instance reporting into the Prometheus registry, then the verticles in
 * dependency order: index manager, inference workers, HTTP. {@link #close()} undeploys them in
 * reverse and retires the snapshot.
 */
public final class MercuryServer implements AutoCloseable {
    private final Vertx vertx;
    private final MercuryConfig config;
    private final SnapshotRegistry snapshots;
    private final ServerMetrics metrics;
    private final IndexManagerVerticle indexManager;
    private final AtomicInteger port;
    private final ServingLifecycle lifecycle;
    private final RouteTable routes;
    /** The HTTP verticles' deployment, undeployed first at shutdown so that in-flight requests drain. */
    private volatile String httpDeployment;

    private MercuryServer(Vertx vertx, MercuryConfig config, SnapshotRegistry snapshots, ServerMetrics metrics,
                          IndexManagerVerticle indexManager, AtomicInteger port, ServingLifecycle lifecycle, RouteTable routes) {
        this.routes = routes;
        this.lifecycle = lifecycle;
        this.vertx = vertx;
        this.config = config;
        this.snapshots = snapshots;
        this.metrics = metrics;
        this.indexManager = indexManager;
        this.port = port;
    }

    public static Future<MercuryServer> start(MercuryConfig config) {
        return start(config, new VertxOptions());
    }

    /** Starts with {@code base} Vert.x options (tests tighten the blocked-thread checker through them). */
    public static Future<MercuryServer> start(MercuryConfig config, VertxOptions base) {
        StaticRoutes.get(); // reads the pages and the OpenAPI document here, not on an event loop
        SnapshotRegistry snapshots = new SnapshotRegistry();
        ServerMetrics metrics = new ServerMetrics(snapshots);
        VertxOptions options = new VertxOptions(base)
                .setWorkerPoolSize(Math.max(base.getWorkerPoolSize(), config.workerInstances() + 4))
                .setMetricsOptions(new MicrometerMetricsOptions().setEnabled(true)
                        .setLabels(EnumSet.of(Label.HTTP_ROUTE, Label.HTTP_METHOD, Label.HTTP_CODE, Label.POOL_TYPE, Label.POOL_NAME)));
        Vertx vertx = Vertx.builder().with(options).withMetrics(new MicrometerMetricsFactory(metrics.registry())).build();
        vertx.eventBus().registerDefaultCodec(InferenceJob.class, new LocalCodec<>(InferenceJob.class));
        vertx.eventBus().registerDefaultCodec(RecommendReply.class, new LocalCodec<>(RecommendReply.class));

        ServingLifecycle lifecycle;
        try {
            lifecycle = new ServingLifecycle(config, snapshots, metrics);
        } catch (MercuryConfig.ConfigException e) {
            vertx.close().onComplete(ignored -> metrics.close());
            return Future.failedFuture(e);
        }
        metrics.bindReplication(lifecycle.itemLog(), lifecycle.eventLog());
        lifecycle.warmBeforePublishing(snapshot -> Warmup.inProcess(config, snapshot, config.warmupSwapSeconds()));
        java.util.concurrent.atomic.AtomicBoolean warmedUp = new java.util.concurrent.atomic.AtomicBoolean();
        IndexManagerVerticle indexManager = new IndexManagerVerticle(lifecycle);
        ResponseCache cache = config.cache().enabled() ? new ResponseCache(config.cache()) : null;
        if (cache != null) metrics.bindCache(cache);
        Inference inference = new Inference(snapshots, metrics);
        Dispatcher.Admission admission = new Dispatcher.Admission(config.dispatch(), config.workerInstances(), metrics);
        AtomicInteger port = new AtomicInteger();
        ConnectionGuard.Shared connectionLimits = new ConnectionGuard.Shared(config.connections(), metrics);
        RouteTable routes = new RouteTable();
        MercuryServer server = new MercuryServer(vertx, config, snapshots, metrics, indexManager, port, lifecycle, routes);
        return vertx.deployVerticle(indexManager)
                .compose(id -> vertx.deployVerticle(() -> new InferenceVerticle(inference, admission),
                        new DeploymentOptions().setThreadingModel(ThreadingModel.WORKER).setInstances(config.workerInstances())))
                .compose(id -> vertx.deployVerticle(() -> new HttpVerticle(config, snapshots, metrics, port, lifecycle, cache, inference, admission, routes, connectionLimits, warmedUp),
                        new DeploymentOptions().setInstances(config.httpInstances())))
                .map(id -> {
                    server.httpDeployment = id;
                    // Ready only once the start-up bundle has loaded and the server has sent itself warmup.http_seconds of requests
                    // (and more while the JIT is still compiling, up to warmup.http_max_seconds).
                    indexManager.initialLoad().compose(first -> Warmup.overHttp(vertx, port.get(), config, first, config.warmupHttpSeconds(), config.warmupHttpMaxSeconds()))
                            .onComplete(ignored -> warmedUp.set(true));
                    return server;
                })
                .recover(e -> {
                    // Close in the background: completing the caller's future from a closing Vert.x would be lost.
                    vertx.close().onComplete(ignored -> server.closeLifecycle());
                    return Future.failedFuture(e);
                });
    }

    /** The port the HTTP server listens on (the real one when configured with 0). */
    public int port() {
        return port.get();
    }

    /** The API routes the HTTP server has mounted (for the OpenAPI contract test). */
    public RouteTable routes() {
        return routes;
    }

    public Vertx vertx() {
        return vertx;
    }

    public MercuryConfig config() {
        return config;
    }

    public SnapshotRegistry snapshots() {
        return snapshots;
    }

    public ServerMetrics metrics() {
        return metrics;
    }

    public IndexManagerVerticle indexManager() {
        return indexManager;
    }

    /**
     * Drains, then stops: the HTTP verticles first (no new connections; requests already received
     * are answered by the still-running workers, for at most {@code http.shutdown_grace_ms}), then
     * Vert.x, then the lifecycle (live-item writer, journal, text encoders).
     */
    public Future<Void> stop() {
        String http = httpDeployment;
        Future<Void> drained = http == null ? Future.succeededFuture() : vertx.undeploy(http);
        // A context-free promise: a future bound to an event loop could not complete once Vert.x has closed.
        io.vertx.core.Promise<Void> done = io.vertx.core.Promise.promise();
        drained.onComplete(ignored -> vertx.close().onComplete(closed -> {
            closeLifecycle();
            done.handle(closed);
        }));
        return done.future();
    }

    /** The live-item writer (null when items.enabled is false). */
    public LiveItems liveItems() {
        return lifecycle.liveItems();
    }

    public ServingLifecycle lifecycle() {
        return lifecycle;
    }

    /** After Vert.x: nothing publishes or writes any more, so the writer and journal can go. */
    private void closeLifecycle() {
        try {
            lifecycle.close();
        } finally {
            metrics.close();
        }
    }

    @Override
    public void close() {
        stop().toCompletionStage().toCompletableFuture().join();
    }
}
