package ai.mercury.server;

import java.util.concurrent.ConcurrentHashMap;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * One INFO line without a stack trace per client mistake (a malformed request, a bad chunk size, a
 * client that went away), rate-limited per kind: at most {@link #LINES_PER_MINUTE} lines a minute
 * for each kind, and the first line of the next minute says how many were suppressed. A client
 * can then neither fill the disk nor bury the server's own faults, which stay SEVERE with their
 * trace. Logger {@code ai.mercury.client_errors}. Thread-safe.
 */
final class ClientErrorLog {
    static final String LOGGER = "ai.mercury.client_errors";
    static final int LINES_PER_MINUTE = 10;
    private static final long WINDOW_NANOS = 60_000_000_000L;
    private static final Logger LOG = Logger.getLogger(LOGGER);
    private static final ConcurrentHashMap<String, Window> WINDOWS = new ConcurrentHashMap<>();

    private static final class Window {
        long start;
        int logged;
        long suppressed;
    }

    private ClientErrorLog() {}

    /** Logs {@code line} under {@code kind} (e.g. "bad_request", "client_closed") unless this minute's lines for the kind are used up. */
    static void log(String kind, String line) {
        if (!LOG.isLoggable(Level.INFO)) return;
        long now = System.nanoTime();
        Window w = WINDOWS.computeIfAbsent(kind, k -> new Window());
        long suppressedBefore;
        synchronized (w) {
            if (w.logged == 0 || now - w.start >= WINDOW_NANOS) {
                suppressedBefore = w.suppressed;
                w.start = now;
                w.logged = 0;
                w.suppressed = 0;
            } else {
                suppressedBefore = 0;
            }
            if (w.logged >= LINES_PER_MINUTE) {
                w.suppressed++;
                return;
            }
            w.logged++;
        }
        String text = "client error " + kind + ": " + oneLine(line)
                + (suppressedBefore > 0 ? " (" + suppressedBefore + " similar lines suppressed in the previous minute)" : "");
        LOG.log(Level.INFO, text);
    }

    /** A throwable as its class and message on one line, at most 200 characters: never a trace. */
    static String describe(Throwable t) {
        if (t == null) return "";
        String m = t.getMessage();
        return t.getClass().getSimpleName() + (m == null ? "" : ": " + m);
    }

    private static String oneLine(String s) {
        if (s == null) return "";
        StringBuilder out = new StringBuilder(Math.min(s.length(), 300));
        for (int i = 0; i < s.length() && out.length() < 300; i++) {
            char c = s.charAt(i);
            out.append(c < 0x20 || c == 0x7f ? ' ' : c); // no line breaks or control characters from the client in the log
        }
        return s.length() > 300 ? out + "…" : out.toString();
    }
}
