package ai.mercury.lifecycle;

import java.nio.file.Path;
import java.time.Instant;
import java.util.List;

/**
 * What the index manager knows, as one immutable value: published after every scan, swap and
 * admin action and read without locks by {@code GET /admin/bundles}. Lists are newest first.
 *
 * @param active     the snapshot being served, or null
 * @param pin        the pin and whether it is honoured, or null when nothing is pinned
 * @param bundles    every bundle directory on disk and its state
 * @param history    the bundles this process served, with when and why
 * @param rejections every rejected load of this process, with reason and time
 * @param watching   whether file-system notifications are in use (else rescans alone)
 * @param scans      scans of the artifacts directory so far
 */
public record BundleStatus(
        Path artifactsDir,
        Active active,
        Pin pin,
        List<Dir> bundles,
        List<Activation> history,
        List<Rejection> rejections,
        boolean watching,
        long scans,
        Instant lastScanAt) {

    public BundleStatus {
        bundles = List.copyOf(bundles);
        history = List.copyOf(history);
        rejections = List.copyOf(rejections);
    }

    /** The bundle being served. */
    public record Active(String version, Instant activatedAt, int items, String index, String cause) {}

    /**
     * @param state {@code active} (the pinned version serves), {@code waiting} (its directory is still being written),
     *              or {@code unavailable} (missing or rejected: the server keeps what it serves)
     */
    public record Pin(String version, String state, String message) {}

    /**
     * A bundle directory.
     *
     * @param state  {@code active}, {@code available} (complete; not served because it is not newer than the
     *               active one or because of the pin), {@code pending} (being written or settling), or {@code rejected}
     * @param detail      for pending: what it waits for; for rejected: the reason code
     * @param unchangedMs how long its files had been unchanged at the last scan
     */
    public record Dir(String version, String state, String detail, long unchangedMs, boolean servedBefore) {}

    /** One activation: {@code retiredAt} is null while it serves. */
    public record Activation(String version, Instant activatedAt, Instant retiredAt, long loadMs, String cause) {}

    /** A bundle that was not loaded, and why. */
    public record Rejection(String version, String reason, String message, Instant at) {}
}
