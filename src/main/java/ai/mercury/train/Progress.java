package ai.mercury.train;

import java.io.PrintStream;
import java.util.Locale;

/**
 * A one-line progress bar per epoch ({@code epoch 3/20 [#####.....] 120/235 loss 5.123}), redrawn in
 * place with a carriage return at most a few times a second, then closed with the epoch's hold-out
 * recall. When stderr is not a terminal (a log file, CI), no carriage returns: one plain line at most
 * every {@value #LINE_SECONDS} s instead. A null stream prints nothing. Not thread-safe.
 */
final class Progress {
    private static final int WIDTH = 30;
    private static final long REDRAW_NANOS = 250_000_000L;
    private static final int LINE_SECONDS = 10;
    private final PrintStream out;
    private final boolean terminal;
    private long lastDraw = System.nanoTime();

    Progress(PrintStream out) {
        this(out, System.console() != null);
    }

    Progress(PrintStream out, boolean terminal) {
        this.out = out;
        this.terminal = terminal;
    }

    void step(int epoch, int epochs, int step, int steps, double loss) {
        if (out == null) return;
        long now = System.nanoTime();
        if (!terminal) {
            // The epoch's end line says the rest; a log gets a line only on long epochs.
            if (step == steps || now - lastDraw < LINE_SECONDS * 1_000_000_000L) return;
            lastDraw = now;
            out.println(String.format(Locale.ROOT, "epoch %d/%d step %d/%d loss %.4f", epoch, epochs, step, steps, loss));
            return;
        }
        if (step != steps && now - lastDraw < REDRAW_NANOS) return;
        lastDraw = now;
        int filled = (int) ((long) WIDTH * step / steps);
        out.print(String.format(Locale.ROOT, "\repoch %d/%d [%s%s] %d/%d loss %.4f", epoch, epochs,
                "#".repeat(filled), ".".repeat(WIDTH - filled), step, steps, loss));
        out.flush();
    }

    void endEpoch(TwoTowerTrainer.EpochStats stats, boolean improved) {
        if (out == null) return;
        out.println(String.format(Locale.ROOT, (terminal ? "" : String.format(Locale.ROOT, "epoch %d loss %.4f", stats.epoch(), stats.loss())) + " | %.1f s | hold-out recall@100 %s (text weight x%.2f)%s", stats.millis() / 1000.0,
                stats.holdout(), stats.textWeightFactor(), improved ? " *" : ""));
    }

    void line(String s) {
        if (out != null) out.println(s);
    }
}
