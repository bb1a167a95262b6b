package ai.mercury.bench;

import ai.mercury.config.MercuryConfig;
import ai.mercury.events.EventParser;
import ai.mercury.events.Events;
import ai.mercury.events.RecommendationIds;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * CPU time per event of the ingest path behind the HTTP edge, in one JVM doing nothing else:
 * {@link EventParser#parse} of a 100-event batch body (on the calling thread, as the event loop
 * does), then {@link Events#ingest} (the log's writer thread writes the JSON lines to a segment
 * file in a temporary directory and records them in the session store). Reports the parse on the
 * calling thread's CPU clock and the whole (parse + write + store, every thread) on the process's
 * CPU clock, in rounds; the default configuration ({@code events.flush_ms} 1000: one fsync a second).
 * The HTTP edge's share (reading an 8 KB body, the 200 answer) is not in it: the server-level
 * figure is {@code scripts/bench/events}. Run like {@link SessionRecommendProbe}:
 * {@code java -cp target/test-classes:target/classes:$(cat target/bench-classpath.txt) ai.mercury.bench.EventIngestProbe [batches per round]}.
 */
public final class EventIngestProbe {
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    public static void main(String[] args) throws Exception {
        int perRound = args.length > 0 ? Integer.parseInt(args[0]) : 2000;
        int batch = 100;
        Path dir = Files.createTempDirectory("mercury-ingest-probe-");
        MercuryConfig config = MercuryConfig.load(null, Map.of(), Map.of("events.dir", dir.toString()));
        com.sun.management.OperatingSystemMXBean os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        SplittableRandom random = new SplittableRandom(17);
        List<byte[]> bodies = new ArrayList<>();
        for (int b = 0; b < 500; b++) {
            StringBuilder s = new StringBuilder("{\"events\":[");
            for (int i = 0; i < batch; i++) {
                if (i > 0) s.append(',');
                s.append("{\"event_type\":\"").append(i % 4 == 3 ? "click" : "view").append("\",\"session_id\":\"bench-")
                        .append(1 + random.nextInt(200_000)).append("\",\"item_id\":\"").append(20_000 + random.nextInt(3_700)).append("\"}");
            }
            bodies.add(s.append("]}").toString().getBytes(StandardCharsets.UTF_8));
        }
        try (Events events = new Events(config.events(), config.sessions(), new RecommendationIds(), id -> id, null)) {
            int rounds = 7;
            double[] parseUs = new double[rounds];
            double[] totalUs = new double[rounds];
            for (int round = -2; round < rounds; round++) { // two rounds of warm-up
                long process0 = os.getProcessCpuTime();
                long parse = 0;
                var pending = new ArrayList<java.util.concurrent.CompletableFuture<Void>>();
                for (int i = 0; i < perRound; i++) {
                    long t0 = THREADS.getCurrentThreadCpuTime();
                    EventParser.Batch parsed = events.parser().parse(bodies.get(i % bodies.size()), System.currentTimeMillis(), Map.of());
                    parse += THREADS.getCurrentThreadCpuTime() - t0;
                    pending.add(events.ingest(parsed.accepted(), false));
                    if (pending.size() == 64) { // at most 64 batches in flight, as a busy server would have
                        pending.forEach(java.util.concurrent.CompletableFuture::join);
                        pending.clear();
                    }
                }
                pending.forEach(java.util.concurrent.CompletableFuture::join);
                long process = os.getProcessCpuTime() - process0;
                if (round < 0) continue;
                parseUs[round] = parse / 1e3 / perRound / batch;
                totalUs[round] = process / 1e3 / perRound / batch;
            }
            System.out.printf(Locale.ROOT, "%d rounds of %d batches of %d events; %d sessions held%n", rounds, perRound, batch, events.store().sessionCount());
            System.out.printf(Locale.ROOT, "parse:                       %s us CPU per event (median %.2f)%n", Arrays.toString(round(parseUs)), median(parseUs));
            System.out.printf(Locale.ROOT, "parse + log + store (all):   %s us CPU per event (median %.2f)%n", Arrays.toString(round(totalUs)), median(totalUs));
        }
        try (var files = Files.walk(dir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    private static double median(double[] v) {
        double[] c = v.clone();
        Arrays.sort(c);
        return c[c.length / 2];
    }

    private static double[] round(double[] v) {
        double[] out = new double[v.length];
        for (int i = 0; i < v.length; i++) out[i] = Math.round(v[i] * 100) / 100.0;
        return out;
    }
}
