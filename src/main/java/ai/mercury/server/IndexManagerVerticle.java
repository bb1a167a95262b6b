package ai.mercury.server;

import ai.mercury.feature.TextEncoderRegistry;
import ai.mercury.live.LiveItems;
import ai.mercury.model.Snapshot;
import ai.mercury.model.SnapshotRegistry;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;

import java.util.List;

/**
 * Owns the snapshot lifecycle: at start-up it loads the newest valid bundle under the artifacts
 * directory (or the pinned one), then watches the directory and hot-swaps newer bundles as they
 * are dropped in, rejecting broken ones with their reason while the current snapshot keeps
 * serving. The work runs in a {@link BundleManager} on its own thread, never on the event loop;
 * the server is live at once and ready when a snapshot is published. {@link #stop()} stops the
 * watching and retires the current snapshot.
 */
public final class IndexManagerVerticle extends VerticleBase {
    private final SnapshotRegistry snapshots;
    private final BundleManager bundles;

    public IndexManagerVerticle(MercuryConfig config, SnapshotRegistry snapshots, ServerMetrics metrics, LiveItems live,
                                TextEncoderRegistry textEncoders) {
        this.snapshots = snapshots;
        this.bundles = new BundleManager(config, snapshots, metrics, live, textEncoders);
    }

    @Override
    public Future<?> start() {
        bundles.start();
        return Future.succeededFuture(); // live at once; ready when a snapshot is published
    }

    /** Completes when the start-up load attempt is over (with null when no bundle could be loaded). */
    public Future<Snapshot> initialLoad() {
        return Future.fromCompletionStage(bundles.initialLoad());
    }

    /** Rejected bundle loads of this process, newest first. */
    public List<BundleStatus.Rejection> rejections() {
        return bundles.status().rejections();
    }

    BundleManager bundles() {
        return bundles;
    }

    @Override
    public Future<?> stop() {
        return vertx.executeBlocking(() -> {
            bundles.close(); // waits for a load in progress: off the event loop
            snapshots.clear();
            return null;
        });
    }
}
