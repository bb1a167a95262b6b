package ai.mercury.lifecycle;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Keeps the newest {@code keep} bundle directories and deletes the older ones, never a protected
 * one (the active and the pinned version, and directories still being written). A directory is
 * first renamed to a dot-name, which hides it from every scan at once, then deleted; leftovers of
 * an interrupted deletion are removed on the next pass. Disk access: call off the event loop.
 */
final class Retention {
    static final String DELETING_PREFIX = ".deleting-";
    private static final System.Logger LOG = System.getLogger(Retention.class.getName());

    private Retention() {}

    /**
     * @param dirs bundle directories by version, newest first (as {@link BundleDirs#list})
     * @return the versions deleted
     */
    static List<String> apply(Path artifacts, Map<String, Path> dirs, int keep, Set<String> protectedVersions) {
        if (keep <= 0) return List.of();
        List<String> deleted = new ArrayList<>();
        int kept = 0;
        for (Map.Entry<String, Path> e : dirs.entrySet()) {
            if (kept < keep) {
                kept++;
                continue;
            }
            if (protectedVersions.contains(e.getKey())) continue;
            Path hidden = artifacts.resolve(DELETING_PREFIX + e.getKey() + "-" + System.nanoTime());
            try {
                Files.move(e.getValue(), hidden, StandardCopyOption.ATOMIC_MOVE);
                deleteRecursively(hidden);
                deleted.add(e.getKey());
                LOG.log(System.Logger.Level.INFO, "retention (keep " + keep + "): deleted bundle " + e.getKey());
            } catch (IOException ex) {
                LOG.log(System.Logger.Level.WARNING, "retention: cannot delete bundle " + e.getValue() + ": " + ex);
            }
        }
        cleanLeftovers(artifacts);
        return deleted;
    }

    private static void cleanLeftovers(Path artifacts) {
        try (Stream<Path> list = Files.list(artifacts)) {
            for (Path p : list.filter(p -> p.getFileName().toString().startsWith(DELETING_PREFIX)).toList()) deleteRecursively(p);
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "retention: cannot clean up " + artifacts + ": " + e);
        }
    }

    static void deleteRecursively(Path dir) throws IOException {
        if (!Files.exists(dir)) return;
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        }
    }
}
