package ai.mercury.server;

import ai.mercury.testing.FixtureBundle;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The fuzz harness: {@link FuzzCases} against a real server over raw sockets. Asserts, for every
 * case: no status >= 500 other than 503 (the documented refusals) and 501 for a request line
 * whose HTTP version is not 1.x (Vert.x answers that itself); every 4xx carries the JSON
 * {@code {"error","message"}} contract; every request answered (or the connection closed) within
 * 2 s; and no SEVERE log line. CI runs a fixed seed and a bounded count; more on demand:
 * {@code mvn -o verify -Dit.test=FuzzIT -Dtest=none -Dsurefire.failIfNoSpecifiedTests=false -Dfuzz.cases=50000 -Dfuzz.seed=7}.
 * A summary (statuses per kind, findings) goes to target/fuzz-summary.txt.
 */
class FuzzIT {
    static final String TOKEN = "fuzz-admin-token";
    static final long ANSWER_WITHIN_MS = 2000;

    @Test
    void hostileRequests_neverHangNor500NorSevere(@TempDir Path artifacts) throws Exception {
        int cases = Integer.getInteger("fuzz.cases", 1500);
        long seed = Long.getLong("fuzz.seed", 15L);
        FixtureBundle.copyTo(artifacts);
        List<String> findings = new ArrayList<>();
        Map<String, Map<Integer, Integer>> statuses = new TreeMap<>();
        int hangs = 0;
        List<String> slow = new ArrayList<>();
        int closedWithoutAnswer = 0;
        long started = System.nanoTime();
        List<String> severe;
        try (LogCapture logs = new LogCapture();
             ServerHarness harness = new ServerHarness(artifacts, Map.of("admin.token", TOKEN, "events.token", ""))) {
            assertTrue(harness.awaitInitialLoad(), "the fixture bundle loads");
            FuzzCases generator = new FuzzCases(seed, TOKEN);
            int port = harness.server.port();
            for (int i = 0; i < 20; i++) harness.get("/health/live"); // the first requests pay for class loading, not for the input
            for (int i = 0; i < cases; i++) {
                FuzzCases.Case c = generator.next();
                RawHttp.Exchange e = RawHttp.exchange(port, c.bytes(), c.expectedResponses(), ANSWER_WITHIN_MS, c.halfClose());
                Map<Integer, Integer> byStatus = statuses.computeIfAbsent(c.kind(), k -> new TreeMap<>());
                if (e.timedOut()) { // once more with time to spare: a loaded machine (CPU steal, GC) is not a hang
                    RawHttp.Exchange again = RawHttp.exchange(port, c.bytes(), c.expectedResponses(), 5 * ANSWER_WITHIN_MS, c.halfClose());
                    if (!again.timedOut()) {
                        slow.add("case " + i + " [" + c.kind() + " " + c.route() + "] answered on a retry within " + 5 * ANSWER_WITHIN_MS + " ms");
                        e = again;
                    }
                }
                if (e.timedOut()) {
                    hangs++;
                    byStatus.merge(-1, 1, Integer::sum);
                    finding(findings, i, c, "no answer within " + ANSWER_WITHIN_MS + " ms (" + e.responses().size() + " of " + c.expectedResponses() + ")");
                }
                if (e.responses().isEmpty() && e.closed()) {
                    closedWithoutAnswer++;
                    byStatus.merge(0, 1, Integer::sum);
                }
                for (RawHttp.Response r : e.responses()) {
                    byStatus.merge(r.status(), 1, Integer::sum);
                    check(findings, i, c, r);
                }
                logs.severe().forEach(line -> finding(findings, -1, c, "log: " + line));
                logs.clear();
            }
            assertEquals(200, harness.get("/health/live").statusCode(), "the server still answers");
            severe = List.copyOf(harness.blockedEventLoops);
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        StringBuilder summary = new StringBuilder();
        summary.append("fuzz: ").append(cases).append(" cases, seed ").append(seed).append(", ").append(String.format("%.1f", seconds)).append(" s\n");
        summary.append("hangs: ").append(hangs).append(", closed without an answer: ").append(closedWithoutAnswer)
                .append(", slow (answered only on a retry): ").append(slow.size()).append(", findings: ").append(findings.size()).append(", event-loop stalls recorded: ").append(severe.size()).append('\n');
        summary.append("statuses per kind (-1 = hang, 0 = closed without an answer):\n");
        statuses.forEach((kind, m) -> summary.append("  ").append(kind).append(' ').append(m).append('\n'));
        slow.stream().limit(10).forEach(f -> summary.append("  SLOW ").append(f).append('\n'));
        findings.stream().limit(40).forEach(f -> summary.append("  FINDING ").append(f).append('\n'));
        System.out.println(summary);
        Files.createDirectories(Path.of("target"));
        Files.writeString(Path.of("target", "fuzz-summary.txt"), summary);
        assertEquals(List.of(), findings.stream().limit(20).toList(), "fuzz findings (" + findings.size() + "); summary:\n" + summary);
    }

    private static void check(List<String> findings, int i, FuzzCases.Case c, RawHttp.Response r) {
        int status = r.status();
        if (status >= 500 && status != 503 && !(status == 501 && c.oddVersion())) {
            finding(findings, i, c, "status " + status + " " + shorten(r.bodyText()));
        }
        if (status >= 400 && !(status == 501 && c.oddVersion())) {
            try {
                JsonObject body = new JsonObject(r.bodyText());
                if (body.getString("error") == null || body.getString("message") == null) finding(findings, i, c, "status " + status + " without error/message: " + shorten(r.bodyText()));
            } catch (RuntimeException e) {
                finding(findings, i, c, "status " + status + " with a body that is not JSON: '" + shorten(r.bodyText()) + "'");
            }
        }
        if (status == 200 && r.header("content-type") != null && r.header("content-type").startsWith("application/json")) {
            try {
                byte[] b = r.body();
                java.nio.charset.StandardCharsets.UTF_8.newDecoder().decode(java.nio.ByteBuffer.wrap(b));
                new JsonObject(new String(b, StandardCharsets.UTF_8));
            } catch (Exception e) {
                finding(findings, i, c, "200 with a body that is not UTF-8 JSON: " + e.getMessage());
            }
        }
    }

    private static void finding(List<String> findings, int i, FuzzCases.Case c, String what) {
        String request = new String(c.bytes(), 0, Math.min(300, c.bytes().length), StandardCharsets.ISO_8859_1).replace("\r\n", "\\r\\n");
        findings.add("case " + i + " [" + c.kind() + " " + c.route() + "] " + what + " <- " + request);
    }

    private static String shorten(String s) {
        return s.length() > 160 ? s.substring(0, 160) + "…" : s;
    }
}
