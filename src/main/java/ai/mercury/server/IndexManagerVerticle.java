package ai.mercury.server;

import ai.mercury.bundle.BundleException;
import ai.mercury.model.Snapshot;
import ai.mercury.model.SnapshotLoader;
import ai.mercury.model.SnapshotRegistry;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;

/**
 * Owns the snapshot lifecycle: at start-up it loads the newest valid bundle under the artifacts
 * directory (newest = greatest version name; dot-directories are in-progress copies and ignored),
 * off the event loop, and publishes it through the {@link SnapshotRegistry}. A bundle that fails
 * any check is recorded as rejected with its reason and the next older one is tried. The server is
 * live meanwhile and ready once a snapshot is published.
 */
public final class IndexManagerVerticle extends VerticleBase {
    private static final System.Logger LOG = System.getLogger(IndexManagerVerticle.class.getName());

    private final MercuryConfig config;
    private final SnapshotRegistry snapshots;
    private final ServerMetrics metrics;
    private final List<Rejection> rejections = new CopyOnWriteArrayList<>();
    private volatile Future<Snapshot> initialLoad;

    /** A bundle that was not loaded, and why. */
    public record Rejection(String version, String reason, String message, Instant at) {}

    public IndexManagerVerticle(MercuryConfig config, SnapshotRegistry snapshots, ServerMetrics metrics) {
        this.config = config;
        this.snapshots = snapshots;
        this.metrics = metrics;
    }

    @Override
    public Future<?> start() {
        initialLoad = vertx.executeBlocking(this::loadNewest, false);
        initialLoad.onSuccess(s -> {
            if (s != null) activate(s);
        }).onFailure(e -> LOG.log(System.Logger.Level.ERROR, "initial bundle load failed", e));
        return Future.succeededFuture(); // live at once; ready when a snapshot is published
    }

    /** Completes when the start-up load attempt is over (with null when no bundle could be loaded). */
    public Future<Snapshot> initialLoad() {
        return initialLoad;
    }

    public List<Rejection> rejections() {
        return List.copyOf(rejections);
    }

    private void activate(Snapshot s) {
        snapshots.publish(s);
        metrics.modelActivated(s);
        LOG.log(System.Logger.Level.INFO, "serving " + s);
    }

    private Snapshot loadNewest() {
        Path dir = config.artifactsDir();
        List<Path> candidates = bundleDirs(dir);
        if (candidates.isEmpty()) {
            LOG.log(System.Logger.Level.WARNING, "no bundle under " + dir.toAbsolutePath() + ": not ready until one is published");
            return null;
        }
        SnapshotLoader.Options options = new SnapshotLoader.Options(config.index(), config.onnxIntraOpThreads(), config.warmupQueries(), null);
        for (Path candidate : candidates) {
            long t0 = System.nanoTime();
            try {
                Snapshot s = SnapshotLoader.load(candidate, options, line -> LOG.log(System.Logger.Level.DEBUG, candidate.getFileName() + ": " + line));
                LOG.log(System.Logger.Level.INFO, "loaded bundle " + s.version() + " in " + (System.nanoTime() - t0) / 1_000_000 + " ms");
                return s;
            } catch (BundleException e) {
                rejections.add(new Rejection(candidate.getFileName().toString(), e.reason(), e.getMessage(), Instant.now()));
                LOG.log(System.Logger.Level.WARNING, "rejected bundle (" + e.reason() + "): " + e.getMessage());
            }
        }
        return null;
    }

    /** Bundle directories under {@code dir}, newest version first. */
    static List<Path> bundleDirs(Path dir) {
        if (!Files.isDirectory(dir)) return List.of();
        try (Stream<Path> list = Files.list(dir)) {
            List<Path> dirs = new ArrayList<>(list.filter(Files::isDirectory)
                    .filter(p -> !p.getFileName().toString().startsWith("."))
                    .toList());
            dirs.sort(Comparator.comparing((Path p) -> p.getFileName().toString()).reversed());
            return dirs;
        } catch (IOException e) {
            LOG.log(System.Logger.Level.ERROR, "cannot list " + dir, e);
            return List.of();
        }
    }

    @Override
    public Future<?> stop() {
        snapshots.clear();
        return Future.succeededFuture();
    }
}
