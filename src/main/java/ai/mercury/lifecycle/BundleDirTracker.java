package ai.mercury.lifecycle;

import ai.mercury.config.SwapConfig;
import ai.mercury.lifecycle.BundleDirs.Completeness;
import ai.mercury.lifecycle.BundleDirs.Fingerprint;
import ai.mercury.lifecycle.BundleStatus.Rejection;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What the index manager knows about each bundle directory between scans: its fingerprint and
 * since when it has been unchanged (so "complete and stable" can be judged across consecutive
 * scans), and the last rejection with the fingerprint it was made on (so an unchanged rejected
 * directory is not validated again). Not thread-safe: confined to the manager's thread.
 */
final class BundleDirTracker {
    /** A directory as last seen: its fingerprint, since when it has been unchanged, and whether it looked complete. */
    private record Observation(Fingerprint fingerprint, long sinceNanos, Completeness completeness) {}

    private record Rejected(Fingerprint fingerprint, Rejection rejection) {}

    private final Path artifacts;
    private final SwapConfig swap;
    private final Map<String, Observation> observed = new HashMap<>();
    private final Map<String, Rejected> rejected = new HashMap<>();
    private Map<String, Path> dirs = Map.of();

    BundleDirTracker(Path artifacts, SwapConfig swap) {
        this.artifacts = artifacts;
        this.swap = swap;
    }

    /** Lists the bundle directories and fingerprints each; a changed fingerprint restarts its stability clock. */
    void observe() {
        dirs = BundleDirs.list(artifacts);
        long now = System.nanoTime();
        observed.keySet().retainAll(dirs.keySet());
        for (Map.Entry<String, Path> e : dirs.entrySet()) {
            Fingerprint fp = BundleDirs.fingerprint(e.getValue());
            Observation o = observed.get(e.getKey());
            if (o == null || !o.fingerprint().equals(fp)) {
                observed.put(e.getKey(), new Observation(fp, now, BundleDirs.completeness(e.getValue(), fp)));
            }
        }
    }

    /** Bundle directories by version, newest first, as of the last {@link #observe()}. */
    Map<String, Path> dirs() {
        return dirs;
    }

    /**
     * Whether {@code version} may be validated now: at start-up always; afterwards once complete and
     * unchanged for {@code swap.settle_ms}, or unchanged (though incomplete) for {@code swap.incomplete_timeout_ms}.
     */
    boolean ready(String version, boolean startup) {
        Observation o = observed.get(version);
        if (o == null) return false;
        if (startup) return true;
        long unchangedMs = unchangedMs(o);
        return (o.completeness().complete() && unchangedMs >= swap.settleMs()) || unchangedMs >= swap.incompleteTimeoutMs();
    }

    /** The rejection of {@code version} if its directory has not changed since; else null. */
    Rejection rejectedUnchanged(String version) {
        Rejected r = rejected.get(version);
        Observation o = observed.get(version);
        return r != null && o != null && r.fingerprint().equals(o.fingerprint()) ? r.rejection() : null;
    }

    /** The fingerprint a validation of {@code version} starting now is made on. */
    Fingerprint fingerprint(String version) {
        Observation o = observed.get(version);
        return o == null ? BundleDirs.fingerprint(artifacts.resolve(version)) : o.fingerprint();
    }

    void rejected(String version, Fingerprint fp, Rejection r) {
        rejected.put(version, new Rejected(fp, r));
    }

    /** Each directory's state for {@code GET /admin/bundles}, newest first. */
    List<BundleStatus.Dir> describe(String activeVersion, Set<String> served) {
        List<BundleStatus.Dir> out = new ArrayList<>();
        for (String v : dirs.keySet()) {
            Observation o = observed.get(v);
            Rejection r = rejectedUnchanged(v);
            String state;
            String detail = null;
            if (v.equals(activeVersion)) {
                state = "active";
            } else if (r != null) {
                state = "rejected";
                detail = r.reason();
            } else if (!ready(v, false)) {
                state = "pending";
                detail = o.completeness().complete() ? "settling" : o.completeness().waitingFor();
            } else {
                state = "available";
            }
            out.add(new BundleStatus.Dir(v, state, detail, unchangedMs(o), served.contains(v)));
        }
        return out;
    }

    private static long unchangedMs(Observation o) {
        return (System.nanoTime() - o.sinceNanos()) / 1_000_000;
    }
}
