package ai.mercury.bundle;

import java.nio.file.Path;

/**
 * A bundle failed a check. {@link #reason()} is a short machine-readable code (for metrics and
 * {@code /admin/bundles}); the message is a sentence that names the bundle and the file.
 */
public class BundleException extends Exception {
    private final String reason;

    public BundleException(String reason, Path bundleDir, String message) {
        this(reason, bundleDir, message, null);
    }

    public BundleException(String reason, Path bundleDir, String message, Throwable cause) {
        super("bundle " + bundleDir + ": " + message, cause);
        this.reason = reason;
    }

    public String reason() {
        return reason;
    }
}
