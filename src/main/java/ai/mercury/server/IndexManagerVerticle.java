package ai.mercury.server;

import ai.mercury.lifecycle.BundleStatus;
import ai.mercury.lifecycle.ServingLifecycle;
import ai.mercury.model.Snapshot;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;

import java.util.List;

/**
 * The Vert.x face of the {@link ServingLifecycle}: deployed first, it starts the lifecycle (which
 * loads the newest valid bundle under the artifacts directory, or the pinned one, then watches the
 * directory and hot-swaps newer bundles as they are dropped in) and stops its publishing when the
 * server shuts down. The work runs on the lifecycle's own thread, never on the event loop; the
 * server is live at once and ready when a snapshot is published.
 */
public final class IndexManagerVerticle extends VerticleBase {
    private final ServingLifecycle lifecycle;

    public IndexManagerVerticle(ServingLifecycle lifecycle) {
        this.lifecycle = lifecycle;
    }

    @Override
    public Future<?> start() {
        lifecycle.start();
        return Future.succeededFuture(); // live at once; ready when a snapshot is published
    }

    /** Completes when the start-up load attempt is over (with null when no bundle could be loaded). */
    public Future<Snapshot> initialLoad() {
        return Future.fromCompletionStage(lifecycle.initialLoad());
    }

    /** Rejected bundle loads of this process, newest first. */
    public List<BundleStatus.Rejection> rejections() {
        return lifecycle.rejections();
    }

    public ServingLifecycle lifecycle() {
        return lifecycle;
    }

    @Override
    public Future<?> stop() {
        return vertx.executeBlocking(() -> {
            lifecycle.stopPublishing(); // waits for a load in progress: off the event loop
            return null;
        });
    }
}
