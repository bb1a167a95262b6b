package ai.mercury.eval;

import java.io.PrintStream;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A one-line progress bar on a stream (stderr): label, bar, count, percentage, elapsed seconds;
 * redrawn at most every 200 ms and once more, with a line break, on {@link #close()}. When stderr
 * is not a terminal (a log file, CI): no carriage returns, one plain line at most every 10 s and
 * one at the end. Thread-safe.
 */
final class Progress implements AutoCloseable {
    private static final int WIDTH = 30;
    private static final long REDRAW_NANOS = 200_000_000L;

    private final PrintStream out;
    private final String label;
    private final int total;
    private final long start = System.nanoTime();
    private final AtomicInteger done = new AtomicInteger();
    private final boolean terminal = System.console() != null;
    private long lastDraw = System.nanoTime();
    private int drawn = -1;

    Progress(PrintStream out, String label, int total) {
        this.out = out;
        this.label = label;
        this.total = total;
    }

    /** A bar that draws nothing. */
    static Progress silent(int total) {
        return new Progress(null, "", total);
    }

    void step() {
        int d = done.incrementAndGet();
        if (out == null) return;
        long now = System.nanoTime();
        synchronized (this) {
            boolean skip = terminal ? now - lastDraw < REDRAW_NANOS && d < total
                    : d >= total || now - lastDraw < 10_000_000_000L; // close() draws the last line
            if (skip) return;
            lastDraw = now;
            draw(d, now);
        }
    }

    private void draw(int d, long now) {
        drawn = d;
        int filled = total == 0 ? WIDTH : (int) ((long) WIDTH * d / total);
        String bar = "#".repeat(filled) + "-".repeat(WIDTH - filled);
        String line = String.format(Locale.ROOT, "%-34s [%s] %6d/%d %3d%% %6.1f s", label, bar, d, total,
                total == 0 ? 100 : 100L * d / total, (now - start) / 1e9);
        if (terminal) {
            out.print("\r" + line);
        } else {
            out.println(line);
        }
        out.flush();
    }

    @Override
    public synchronized void close() {
        if (out == null) return;
        if (drawn != done.get()) draw(done.get(), System.nanoTime());
        if (terminal) out.println();
    }
}
