package ai.mercury.server;

import ai.mercury.model.RecommendQuery;
import ai.mercury.model.Recommendation;
import ai.mercury.model.Recommender;
import ai.mercury.model.Snapshot;
import ai.mercury.model.SnapshotRegistry;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;

/**
 * The worker side of {@code /recommend}: deployed as a worker verticle (several instances, each
 * runs one request at a time), it takes a {@link RecommendQuery} from the event bus, acquires the
 * current snapshot once, runs features → ONNX user tower → index search on it, releases it, and
 * replies with a {@link RecommendReply}. Never runs on an event loop.
 */
public final class InferenceVerticle extends VerticleBase {
    static final String ADDRESS = "mercury.recommend";
    private static final System.Logger LOG = System.getLogger(InferenceVerticle.class.getName());

    private final SnapshotRegistry snapshots;
    private final ServerMetrics metrics;
    private MessageConsumer<RecommendQuery> consumer;

    public InferenceVerticle(SnapshotRegistry snapshots, ServerMetrics metrics) {
        this.snapshots = snapshots;
        this.metrics = metrics;
    }

    @Override
    public Future<?> start() {
        consumer = vertx.eventBus().localConsumer(ADDRESS, this::handle);
        return consumer.completion();
    }

    private void handle(Message<RecommendQuery> message) {
        message.reply(compute(snapshots, metrics, message.body()));
    }

    /**
     * The whole worker-side path of one request: acquires the current snapshot, recommends on it,
     * records the stage timers, releases it. Never throws: failures become an error reply. Used by
     * this verticle and by the other {@code inference.dispatch} modes ({@link HttpVerticle}).
     */
    static RecommendReply compute(SnapshotRegistry snapshots, ServerMetrics metrics, RecommendQuery query) {
        long start = System.nanoTime();
        Snapshot snapshot = snapshots.acquire();
        if (snapshot == null) {
            metrics.recordNoModel();
            return RecommendReply.failed(new ApiException(503, "no_model", "no model bundle is loaded yet; see /health/ready"));
        }
        try {
            long epoch = snapshot.cacheEpoch();
            Recommendation r = Recommender.recommend(snapshot, query);
            metrics.recordRecommendation(r, System.nanoTime() - start);
            return RecommendReply.ok(r, epoch);
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.ERROR, "recommendation failed on snapshot " + snapshot.version(), e);
            return RecommendReply.failed(new ApiException(500, "internal_error", "the recommendation failed on model "
                    + snapshot.version() + "; the server log has the details"));
        } finally {
            snapshot.release();
        }
    }

    @Override
    public Future<?> stop() {
        return consumer == null ? Future.succeededFuture() : consumer.unregister();
    }
}
