package ai.mercury.server;

import ai.mercury.model.ModelOutputException;
import ai.mercury.model.RecommendQuery;
import ai.mercury.model.Recommendation;
import ai.mercury.model.Recommender;
import ai.mercury.model.Snapshot;
import ai.mercury.model.SnapshotRegistry;

/**
 * The serving path of one request on whatever thread runs it (an inference worker, or the event
 * loop when the {@link Dispatcher} runs a cheap request inline): acquires the current snapshot,
 * recommends on it, records the stage timers, releases it. Never throws: failures become an error
 * reply. Stateless and thread-safe.
 */
final class Inference {
    private static final System.Logger LOG = System.getLogger(Inference.class.getName());

    private final SnapshotRegistry snapshots;
    private final ServerMetrics metrics;

    Inference(SnapshotRegistry snapshots, ServerMetrics metrics) {
        this.snapshots = snapshots;
        this.metrics = metrics;
    }

    RecommendReply run(RecommendQuery query) {
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
        } catch (ModelOutputException e) {
            return RecommendReply.failed(metrics.modelOutputInvalid(snapshot, e));
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.ERROR, "recommendation failed on snapshot " + snapshot.version(), e);
            return RecommendReply.failed(new ApiException(500, "internal_error", "the recommendation failed on model "
                    + snapshot.version() + "; the server log has the details"));
        } finally {
            snapshot.release();
        }
    }
}
