package ai.mercury.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.StandardSocketOptions;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * An open-model HTTP load generator for {@code POST /recommend} (or another POST route, {@code --path},
 * e.g. {@code /events} with batches as bodies): one thread, non-blocking sockets,
 * several kept-alive HTTP/1.1 connections with one request in flight each (no pipelining).
 *
 * <p><b>Fixed rate</b> ({@code --rate R > 0}): request i is due at {@code start + i/R}, whatever happened
 * to earlier requests. A due request goes out on the next idle connection; when none is idle it waits
 * in a queue. Its latency is measured from its <em>due</em> time, not from when it was sent, so a
 * server that stalls is charged for every request it delayed (no coordinated omission). The send lag
 * (sent − due) is reported on its own: it is the generator's share, including the queueing when every
 * connection is busy. The loop spins between due times (the generator has its own core); with
 * {@code --spin false} it waits in {@code select(1 ms)} instead, so that a second, low-rate
 * generator (ingest beside /recommend) can share the core without stealing it from the first.
 *
 * <p><b>Closed loop</b> ({@code --rate 0}): every connection sends its next request as soon as the
 * answer to the previous one arrives; latency is measured from the send. This gives the most
 * requests per second the server completes with {@code --connections} in flight.
 *
 * <p>Bodies come from the load tests' data file ({@code k6/data/requests.json}, one
 * {@code {"slice":…,"body":…}} per line; {@code --mix realistic|context|first_item|warm}), sent round
 * robin. Only responses with status 200 count as successes; any other status, a timeout
 * ({@code --timeout-ms}), a closed connection or a request still unanswered at the end of the drain
 * is an error. The run is bounded: warm-up + duration + at most {@code --drain-s} seconds.
 *
 * <p>With {@code --server-pid}, also reports the server's CPU time per request (from
 * {@code /proc/PID/stat}) and, from the server's {@code /metrics}, the mean of its stage timers over the
 * measured window. Prints a human summary on stdout and appends one JSON line to {@code --out}.
 * Only the JDK: the harness compiles and runs this file alone.
 */
public final class LoadGenerator {

    // ---- options ----
    String host = "127.0.0.1";
    int port = 8080;
    Path data = Path.of("k6/data/requests.json");
    String mix = "realistic";
    double rate = 1000;
    double durationS = 20;
    double warmupS = 5;
    int connections = 16;
    long timeoutMs = 5000;
    double drainS = 10;
    int serverPid = -1;
    Path out;
    String label = "";
    String path = "/recommend";
    boolean spin = true;
    /** Also report, per second of due time, the answers and refusals and how many were late (--timeline true). */
    boolean timeline = false;

    // ---- state ----
    private byte[][] requests;
    private byte[] slices;
    private String[] sliceNames;
    private int nextBody;

    public static void main(String[] args) throws Exception {
        LoadGenerator g = new LoadGenerator();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (i + 1 >= args.length) throw new IllegalArgumentException(a + " needs a value");
            String v = args[++i];
            switch (a) {
                case "--url" -> {
                    URI u = URI.create(v);
                    g.host = u.getHost();
                    g.port = u.getPort() < 0 ? 80 : u.getPort();
                }
                case "--data" -> g.data = Path.of(v);
                case "--mix" -> g.mix = v;
                case "--rate" -> g.rate = Double.parseDouble(v);
                case "--duration-s" -> g.durationS = Double.parseDouble(v);
                case "--warmup-s" -> g.warmupS = Double.parseDouble(v);
                case "--connections" -> g.connections = Integer.parseInt(v);
                case "--timeout-ms" -> g.timeoutMs = Long.parseLong(v);
                case "--drain-s" -> g.drainS = Double.parseDouble(v);
                case "--server-pid" -> g.serverPid = Integer.parseInt(v);
                case "--out" -> g.out = Path.of(v);
                case "--label" -> g.label = v;
                case "--path" -> g.path = v;
                case "--spin" -> g.spin = Boolean.parseBoolean(v);
                case "--timeline" -> g.timeline = Boolean.parseBoolean(v);
                default -> throw new IllegalArgumentException("unknown option " + a + "; see the class comment");
            }
        }
        if (!g.host.equals("127.0.0.1") && !g.host.equals("localhost") && !g.host.equals("::1")) {
            throw new IllegalArgumentException("this harness only loads a server on this machine (127.0.0.1), not " + g.host);
        }
        if (g.durationS <= 0 || g.durationS > 600 || g.warmupS < 0 || g.warmupS > 600) {
            throw new IllegalArgumentException("duration must be in (0, 600] s and warm-up in [0, 600] s");
        }
        g.run();
    }

    // ---- one connection ----
    private final class Conn {
        SocketChannel ch;
        SelectionKey key;
        ByteBuffer outBuf;
        ByteBuffer in = ByteBuffer.allocate(1 << 16);
        boolean busy;
        long due;      // the due time (closed loop: the send time)
        long sent;
        byte slice;
        int headerEnd = -1;
        int total = -1;
        int status;

        void open(Selector sel) throws IOException {
            ch = SocketChannel.open();
            ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
            ch.connect(new InetSocketAddress(host, port));
            ch.configureBlocking(false);
            key = ch.register(sel, SelectionKey.OP_READ, this);
            busy = false;
            in.clear();
        }

        void send(long due, long now) throws IOException {
            int b = nextBody;
            nextBody = (nextBody + 1) % requests.length;
            this.due = due;
            this.sent = now;
            this.slice = slices[b];
            busy = true;
            headerEnd = -1;
            total = -1;
            in.clear();
            outBuf = ByteBuffer.wrap(requests[b]);
            ch.write(outBuf);
            if (outBuf.hasRemaining()) key.interestOps(SelectionKey.OP_READ | SelectionKey.OP_WRITE);
        }

        /** Reads what is there; returns true when a whole response is in. */
        boolean read() throws IOException {
            if (in.remaining() == 0) {
                ByteBuffer bigger = ByteBuffer.allocate(in.capacity() * 2);
                in.flip();
                bigger.put(in);
                in = bigger;
            }
            int n = ch.read(in);
            if (n < 0) throw new IOException("connection closed by the server");
            if (headerEnd < 0) {
                byte[] a = in.array();
                int lim = in.position();
                for (int i = 3; i < lim; i++) {
                    if (a[i] == '\n' && a[i - 1] == '\r' && a[i - 2] == '\n' && a[i - 3] == '\r') {
                        headerEnd = i + 1;
                        break;
                    }
                }
                if (headerEnd < 0) return false;
                String head = new String(a, 0, headerEnd, StandardCharsets.ISO_8859_1);
                status = Integer.parseInt(head.substring(9, 12));
                int length = -1;
                for (String line : head.split("\r\n")) {
                    int c = line.indexOf(':');
                    if (c < 0) continue;
                    String name = line.substring(0, c).trim().toLowerCase(Locale.ROOT);
                    if (name.equals("content-length")) length = Integer.parseInt(line.substring(c + 1).trim());
                    else if (name.equals("transfer-encoding")) throw new IOException("chunked responses are not supported");
                }
                if (length < 0) throw new IOException("response without content-length");
                total = headerEnd + length;
            }
            return in.position() >= total;
        }

        void close() {
            try {
                ch.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
    }

    /** A growable FIFO of due times. */
    private static final class LongQueue {
        long[] a = new long[1024];
        int head, size;

        void add(long v) {
            if (size == a.length) {
                long[] b = new long[a.length * 2];
                for (int i = 0; i < size; i++) b[i] = a[(head + i) % a.length];
                a = b;
                head = 0;
            }
            a[(head + size++) % a.length] = v;
        }

        long poll() {
            long v = a[head];
            head = (head + 1) % a.length;
            size--;
            return v;
        }
    }

    /** Latencies (ns) with their slice, growable. */
    /**
     * Per second of due time in the window: answers (200), those over 50 ms, refusals (other
     * statuses), those over 5 ms, and the largest latency: where in a run the slow ones were.
     */
    private static final class Timeline {
        private final long start;
        private final java.util.TreeMap<Long, long[]> bySecond = new java.util.TreeMap<>();

        Timeline(long start) {
            this.start = start;
        }

        private long[] at(long due) {
            return bySecond.computeIfAbsent(Math.max(0, (due - start) / 1_000_000_000L), k -> new long[5]);
        }

        void answered(long due, long latency) {
            long[] s = at(due);
            s[0]++;
            if (latency > 50_000_000L) s[1]++;
            s[4] = Math.max(s[4], latency);
        }

        void refused(long due, long latency) {
            long[] s = at(due);
            s[2]++;
            if (latency > 5_000_000L) s[3]++;
            s[4] = Math.max(s[4], latency);
        }

        /** [second, answered, answered over 50 ms, refused, refused over 5 ms, max ms] per second. */
        List<List<Number>> rows() {
            List<List<Number>> rows = new ArrayList<>();
            bySecond.forEach((sec, s) -> rows.add(List.of(sec, s[0], s[1], s[2], s[3], Math.round(s[4] / 1e5) / 10.0)));
            return rows;
        }
    }

    private static final class Samples {
        long[] v = new long[1 << 16];
        byte[] s = new byte[1 << 16];
        int n;

        /** Keeps the sample when {@code keep} is 1; with 0 the slot is overwritten by the next one. */
        void add(long ns, byte slice, int keep) {
            if (n == v.length) {
                v = Arrays.copyOf(v, n * 2);
                s = Arrays.copyOf(s, n * 2);
            }
            v[n] = ns;
            s[n] = slice;
            n += keep;
        }
    }

    private void loadData() throws IOException {
        List<byte[]> reqs = new ArrayList<>();
        List<Byte> sl = new ArrayList<>();
        Map<String, Byte> names = new LinkedHashMap<>();
        for (String line : Files.readAllLines(data, StandardCharsets.UTF_8)) {
            String l = line.strip();
            if (!l.startsWith("{\"slice\":\"")) continue;
            if (l.endsWith(",")) l = l.substring(0, l.length() - 1);
            int q = l.indexOf('"', 10);
            String slice = l.substring(10, q);
            int b = l.indexOf("\"body\":", q);
            if (b < 0 || !l.endsWith("}")) throw new IOException(data + ": malformed request line: " + line);
            if (!mix.equals("realistic") && !mix.equals(slice)) continue;
            byte[] body = l.substring(b + 7, l.length() - 1).getBytes(StandardCharsets.UTF_8);
            byte[] head = ("POST " + path + " HTTP/1.1\r\nHost: " + host + ":" + port + "\r\nContent-Type: application/json\r\n"
                    + "Content-Length: " + body.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
            byte[] req = Arrays.copyOf(head, head.length + body.length);
            System.arraycopy(body, 0, req, head.length, body.length);
            reqs.add(req);
            sl.add(names.computeIfAbsent(slice, k -> (byte) names.size()));
        }
        if (reqs.isEmpty()) throw new IOException(data + ": no requests for --mix " + mix);
        requests = reqs.toArray(new byte[0][]);
        slices = new byte[sl.size()];
        for (int i = 0; i < slices.length; i++) slices[i] = sl.get(i);
        sliceNames = names.keySet().toArray(new String[0]);
    }

    void run() throws Exception {
        loadData();
        // Scrape /metrics a few times before any load: the first scrapes of a server run cold
        // (hundreds of ms of server CPU), and the one at the window's start must not be one of them.
        for (int w = 0; w < 5; w++) serverStages();
        boolean open = rate > 0;
        Selector sel = Selector.open();
        Conn[] conns = new Conn[connections];
        ArrayDeque<Conn> idle = new ArrayDeque<>();
        for (int i = 0; i < connections; i++) {
            conns[i] = new Conn();
            conns[i].open(sel);
            idle.add(conns[i]);
        }
        // The counters at the start of the window are read on their own thread: reading them takes
        // a /metrics scrape (tens of ms on a cold server), and on the sending thread that stall
        // was charged to every request due meanwhile (it was the whole p99 of earlier runs).
        java.util.concurrent.FutureTask<Counters> before = new java.util.concurrent.FutureTask<>(this::counters);

        long start = System.nanoTime() + 50_000_000L;
        long warmEnd = start + (long) (warmupS * 1e9);
        long end = warmEnd + (long) (durationS * 1e9);
        long hardEnd = end + (long) (drainS * 1e9);
        long total = open ? (long) Math.floor((end - start) / 1e9 * rate) : Long.MAX_VALUE;
        double periodNs = open ? 1e9 / rate : 0;

        LongQueue pending = new LongQueue();
        Samples lat = new Samples();
        Samples lag = new Samples();
        Samples refused = new Samples(); // latency of the non-200 answers in the window (the overload bar times the 503s)
        Timeline seconds = new Timeline(warmEnd);
        Map<String, Integer> errors = new TreeMap<>();
        long i = 0;
        long lastCompletion = warmEnd;
        long sentInWindow = 0;
        long lastTimeoutCheck = 0;
        // Waits for the window's start on its own thread, so that the send loop has no branch
        // that is first taken there (see inWindow).
        Thread counterThread = new Thread(() -> {
            for (long wait; (wait = warmEnd - System.nanoTime()) > 0; ) java.util.concurrent.locks.LockSupport.parkNanos(wait);
            before.run();
        }, "counters-at-window-start");
        counterThread.setDaemon(true);
        counterThread.start();

        while (true) {
            long now = System.nanoTime();
            if (open) {
                while (i < total) {
                    long due = start + (long) (i * periodNs);
                    if (due > now) break;
                    pending.add(due);
                    i++;
                }
                while (pending.size > 0 && !idle.isEmpty()) {
                    Conn c = idle.poll();
                    long due = pending.poll();
                    long t = System.nanoTime();
                    int inWindow = inWindow(due, warmEnd);
                    lag.add(t - due, (byte) 0, inWindow);
                    sentInWindow += inWindow;
                    try {
                        c.send(due, t);
                    } catch (IOException e) {
                        fail(errors, "io: " + e.getMessage(), c, sel, idle, due >= warmEnd);
                    }
                }
            } else if (now < end) {
                while (!idle.isEmpty()) {
                    Conn c = idle.poll();
                    long t = System.nanoTime();
                    sentInWindow += inWindow(t, warmEnd);
                    try {
                        c.send(t, t);
                    } catch (IOException e) {
                        fail(errors, "io: " + e.getMessage(), c, sel, idle, t >= warmEnd);
                    }
                }
            }

            reconnectFailed(sel, idle);
            int ready = spin ? sel.selectNow() : sel.select(1);
            if (ready > 0) {
                var it = sel.selectedKeys().iterator();
                while (it.hasNext()) {
                    SelectionKey k = it.next();
                    it.remove();
                    Conn c = (Conn) k.attachment();
                    if (!k.isValid() || !c.busy) {
                        if (k.isValid() && k.isReadable()) {
                            // an idle connection became readable: the server closed it
                            try {
                                if (c.ch.read(ByteBuffer.allocate(256)) < 0) fail(errors, "io: idle connection closed", c, sel, idle, false);
                            } catch (IOException e) {
                                fail(errors, "io: " + e.getMessage(), c, sel, idle, false);
                            }
                        }
                        continue;
                    }
                    try {
                        if (k.isWritable()) {
                            c.ch.write(c.outBuf);
                            if (!c.outBuf.hasRemaining()) k.interestOps(SelectionKey.OP_READ);
                        }
                        if (k.isReadable() && c.read()) {
                            long t = System.nanoTime();
                            int inWindow = inWindow(c.due, warmEnd);
                            if (c.status == 200) {
                                lat.add(t - c.due, c.slice, inWindow);
                                if (inWindow == 1) seconds.answered(c.due, t - c.due);
                                lastCompletion = Math.max(lastCompletion, t * inWindow);
                            } else if (inWindow == 1) {
                                errors.merge("status " + c.status, 1, Integer::sum);
                                refused.add(t - c.due, c.slice, 1);
                                seconds.refused(c.due, t - c.due);
                            }
                            c.busy = false;
                            idle.add(c);
                        }
                    } catch (IOException e) {
                        fail(errors, "io: " + e.getMessage(), c, sel, idle, c.due >= warmEnd);
                    }
                }
            } else {
                Thread.onSpinWait();
            }

            now = System.nanoTime();
            if (now - lastTimeoutCheck > 1_000_000L) {
                lastTimeoutCheck = now;
                for (Conn c : conns) {
                    if (c.busy && now - c.sent > timeoutMs * 1_000_000L) fail(errors, "timeout", c, sel, idle, c.due >= warmEnd);
                }
            }
            boolean allIdle = idle.size() == connections;
            if (open ? (i >= total && pending.size == 0 && allIdle) : (now >= end && allIdle)) break;
            if (now >= hardEnd) {
                int unfinished = pending.size;
                for (Conn c : conns) if (c.busy && c.due >= warmEnd) unfinished++;
                if (open) unfinished += (int) (total - i);
                if (unfinished > 0) errors.merge("unfinished at the end of the drain", unfinished, Integer::sum);
                break;
            }
        }
        long finished = System.nanoTime();
        Counters after = counters();
        Counters first;
        try {
            first = before.get();
        } catch (InterruptedException | java.util.concurrent.ExecutionException e) {
            throw new IOException("reading the server's counters failed", e);
        }
        long serverCpu = after.serverCpu() - first.serverCpu();
        long serverWait = first.serverWait() < 0 || after.serverWait() < 0 ? -1 : after.serverWait() - first.serverWait();
        long genCpu = after.genCpu() - first.genCpu();
        Map<String, Double> stagesBefore = first.stages();
        Map<String, Double> stagesAfter = after.stages();
        for (Conn c : conns) c.close();
        sel.close();

        report(open, warmEnd, end, Math.max(end, open ? lastCompletion : Math.min(finished, end)), lat, lag, refused, errors, sentInWindow,
                serverCpu, serverWait, genCpu, stagesBefore, stagesAfter, timeline ? seconds : null);
    }

    private void fail(Map<String, Integer> errors, String what, Conn c, Selector sel, ArrayDeque<Conn> idle, boolean counted) {
        if (counted) errors.merge(what.length() > 80 ? what.substring(0, 80) : what, 1, Integer::sum);
        c.key.cancel();
        c.close();
        idle.remove(c);
        reconnect.add(c); // after the selected keys are walked: flushing the cancelled key now would change the set being iterated
    }

    /** Connections that failed, reopened once the selector has dropped their cancelled keys. */
    private final ArrayDeque<Conn> reconnect = new ArrayDeque<>();

    private void reconnectFailed(Selector sel, ArrayDeque<Conn> idle) {
        if (reconnect.isEmpty()) return;
        try {
            sel.selectNow(); // flush the cancelled keys before re-registering
            sel.selectedKeys().clear(); // what that select found is reported again by the next (level-triggered)
            while (!reconnect.isEmpty()) {
                Conn c = reconnect.peek();
                c.open(sel);
                reconnect.poll();
                idle.add(c);
            }
        } catch (IOException e) {
            // The server refuses connections: it is gone. Stop rather than spin on reconnects.
            System.err.println("LoadGenerator: cannot reconnect to " + host + ":" + port + " (" + e.getMessage() + "): stopping");
            System.exit(3);
        }
    }

    private void report(boolean open, long warmEnd, long end, long windowEnd, Samples lat, Samples lag, Samples refused, Map<String, Integer> errors,
                        long sent, long serverCpu, long serverWait, long genCpu, Map<String, Double> before, Map<String, Double> after,
                        Timeline seconds) throws IOException {
        double windowS = (windowEnd - warmEnd) / 1e9;
        int ok = lat.n;
        int errs = errors.values().stream().mapToInt(Integer::intValue).sum();
        long[] all = Arrays.copyOf(lat.v, lat.n);
        Arrays.sort(all);
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("time", Instant.now().toString());
        r.put("label", label);
        r.put("mode", open ? "open" : "closed");
        r.put("mix", mix);
        r.put("path", path);
        r.put("target_rate", open ? rate : 0);
        r.put("connections", connections);
        r.put("duration_s", durationS);
        r.put("warmup_s", warmupS);
        r.put("sent", sent);
        r.put("ok", ok);
        r.put("errors", errs);
        r.put("error_kinds", errors);
        r.put("achieved_rate", round(ok / windowS, 1));
        r.put("p50_ms", ms(pct(all, 0.50)));
        r.put("p90_ms", ms(pct(all, 0.90)));
        r.put("p99_ms", ms(pct(all, 0.99)));
        r.put("p999_ms", ms(pct(all, 0.999)));
        r.put("max_ms", ms(all.length == 0 ? 0 : all[all.length - 1]));
        r.put("mean_ms", ms(all.length == 0 ? 0 : (long) Arrays.stream(all).average().orElse(0)));
        if (open) {
            long[] lg = Arrays.copyOf(lag.v, lag.n);
            Arrays.sort(lg);
            r.put("send_lag_p50_ms", ms(pct(lg, 0.5)));
            r.put("send_lag_p99_ms", ms(pct(lg, 0.99)));
        }
        if (refused.n > 0) { // answered, but not 200: from the due time, like the successes
            long[] rf = Arrays.copyOf(refused.v, refused.n);
            Arrays.sort(rf);
            r.put("refused_n", rf.length);
            r.put("refused_p50_ms", ms(pct(rf, 0.5)));
            r.put("refused_p99_ms", ms(pct(rf, 0.99)));
            r.put("refused_max_ms", ms(rf[rf.length - 1]));
        }
        if (seconds != null) r.put("timeline", seconds.rows());
        Map<String, Object> bySlice = new LinkedHashMap<>();
        for (int s = 0; s < sliceNames.length; s++) {
            int cnt = 0;
            for (int j = 0; j < lat.n; j++) if (lat.s[j] == s) cnt++;
            long[] v = new long[cnt];
            for (int j = 0, m = 0; j < lat.n; j++) if (lat.s[j] == s) v[m++] = lat.v[j];
            Arrays.sort(v);
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("n", cnt);
            e.put("p50_ms", ms(pct(v, 0.5)));
            e.put("p99_ms", ms(pct(v, 0.99)));
            bySlice.put(sliceNames[s], e);
        }
        r.put("by_slice", bySlice);
        int answered = ok + errs;
        if (serverCpu >= 0 && answered > 0) {
            r.put("server_cpu_util", round(serverCpu / 1e9 / windowS, 3));
            r.put("server_cpu_us_per_req", round(serverCpu / 1e3 / answered, 1));
        }
        if (serverWait >= 0) {
            // time the server's threads were runnable but waiting for a CPU (another process had its core)
            r.put("server_runqueue_wait_ms_per_s", round(serverWait / 1e6 / windowS, 1));
        }
        r.put("generator_cpu_util", round(genCpu / 1e9 / windowS, 3));
        if (before != null && after != null) {
            Map<String, Object> stages = new LinkedHashMap<>();
            for (String stage : List.of("encode", "inference", "search", "recommend", "http")) {
                Double s0 = before.get(stage + "_sum"), s1 = after.get(stage + "_sum");
                Double c0 = before.get(stage + "_count"), c1 = after.get(stage + "_count");
                if (s0 == null || s1 == null || c0 == null || c1 == null || c1 - c0 <= 0) continue;
                stages.put(stage + "_mean_us", round((s1 - s0) / (c1 - c0) * 1e6, 1));
            }
            r.put("server_stage_means", stages);
        }
        String json = toJson(r);
        System.out.println(json);
        System.err.printf(Locale.ROOT, "%-28s %s %-10s target %6s/s  achieved %8.1f/s  p50 %7.3f  p90 %7.3f  p99 %7.3f  p99.9 %8.3f  max %8.3f ms  errors %d %s%n",
                label, open ? "open  " : "closed", mix, open ? String.valueOf((long) rate) : "-", ok / windowS,
                ms(pct(all, 0.5)), ms(pct(all, 0.9)), ms(pct(all, 0.99)), ms(pct(all, 0.999)), ms(all.length == 0 ? 0 : all[all.length - 1]),
                errs, errors.isEmpty() ? "" : errors.toString());
        if (r.containsKey("refused_n")) {
            System.err.printf(Locale.ROOT, "%-28s refused (answered, not 200): %s, p50 %s  p99 %s  max %s ms%n",
                    label, r.get("refused_n"), r.get("refused_p50_ms"), r.get("refused_p99_ms"), r.get("refused_max_ms"));
        }
        if (out != null) {
            if (out.getParent() != null) Files.createDirectories(out.getParent());
            Files.writeString(out, json + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        }
    }

    private static long pct(long[] sorted, double q) {
        if (sorted.length == 0) return 0;
        int idx = (int) Math.ceil(q * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, idx))];
    }

    private static double ms(long ns) {
        return round(ns / 1e6, 3);
    }

    private static double round(double v, int digits) {
        double f = Math.pow(10, digits);
        return Math.round(v * f) / f;
    }

    /** CPU time (user + system) of the server process, or -1. */
    private long serverCpuNanos() {
        if (serverPid <= 0) return -1;
        try {
            String stat = Files.readString(Path.of("/proc/" + serverPid + "/stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]); // utime, stime (fields 14, 15)
            return ticks * 10_000_000L; // USER_HZ = 100
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /**
     * Sum over the server's threads of the time spent runnable but waiting for a CPU
     * ({@code /proc/PID/task/TID/schedstat}, second field, ns), or -1.
     */
    private long serverRunqueueWaitNanos() {
        if (serverPid <= 0) return -1;
        long sum = 0;
        try (var tasks = Files.list(Path.of("/proc/" + serverPid + "/task"))) {
            for (Path t : (Iterable<Path>) tasks::iterator) {
                try {
                    String[] f = Files.readString(t.resolve("schedstat")).trim().split(" ");
                    sum += Long.parseLong(f[1]);
                } catch (IOException | RuntimeException e) {
                    // a thread that ended meanwhile
                }
            }
            return sum;
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    private static long generatorCpuNanos() {
        var os = ManagementFactory.getOperatingSystemMXBean();
        if (os instanceof com.sun.management.OperatingSystemMXBean s) return s.getProcessCpuTime();
        return 0;
    }

    /** Sums and counts of the server's stage timers from GET /metrics (a blocking side request). */
    /**
     * 1 when a request due at {@code due} belongs to the measured window, 0 in the warm-up;
     * arithmetic rather than a branch on purpose. With {@code if (due >= warmEnd)} around the
     * recording, the JIT compiled the send loop during the warm-up with that branch never taken
     * (an uncommon trap), so the window's first request deoptimised it and the generator ran
     * interpreted for about a second: a burst of 10-70 ms latencies at every window's start.
     */
    static int inWindow(long due, long warmEnd) {
        return (int) (1 - ((due - warmEnd) >>> 63));
    }

    /** The server's and the generator's counters at one moment; stages null when /metrics failed. */
    private record Counters(Map<String, Double> stages, long serverCpu, long serverWait, long genCpu) {}

    private Counters counters() {
        return new Counters(serverStages(), serverCpuNanos(), serverRunqueueWaitNanos(), generatorCpuNanos());
    }

    private Map<String, Double> serverStages() {
        Map<String, Double> m = new LinkedHashMap<>();
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(host, port), 2000);
            s.setSoTimeout(5000);
            OutputStream o = s.getOutputStream();
            o.write(("GET /metrics HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            o.flush();
            InputStream in = s.getInputStream();
            String text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            for (String line : text.split("\n")) {
                if (line.startsWith("#")) continue;
                String key = null;
                for (String stage : List.of("encode", "inference", "search", "recommend")) {
                    if (line.startsWith("mercury_" + stage + "_seconds_sum")) key = stage + "_sum";
                    else if (line.startsWith("mercury_" + stage + "_seconds_count")) key = stage + "_count";
                }
                if (line.startsWith("vertx_http_server_response_time_seconds_") && line.contains("route=\"/recommend\"") && line.contains("code=\"200\"")) {
                    if (line.startsWith("vertx_http_server_response_time_seconds_sum")) key = "http_sum";
                    else if (line.startsWith("vertx_http_server_response_time_seconds_count")) key = "http_count";
                }
                if (key == null) continue;
                double v = Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
                m.merge(key, v, Double::sum);
            }
        } catch (IOException | RuntimeException e) {
            return null;
        }
        return m;
    }

    @SuppressWarnings("unchecked")
    private static String toJson(Object o) {
        if (o == null) return "null";
        if (o instanceof String s) return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n") + "\"";
        if (o instanceof Number || o instanceof Boolean) return o.toString();
        if (o instanceof Map<?, ?> m) {
            StringBuilder sb = new StringBuilder("{");
            boolean first = true;
            for (Map.Entry<?, ?> e : m.entrySet()) {
                if (!first) sb.append(',');
                first = false;
                sb.append(toJson(String.valueOf(e.getKey()))).append(':').append(toJson(e.getValue()));
            }
            return sb.append('}').toString();
        }
        if (o instanceof List<?> l) {
            StringBuilder sb = new StringBuilder("[");
            for (int j = 0; j < l.size(); j++) sb.append(j == 0 ? "" : ",").append(toJson(l.get(j)));
            return sb.append(']').toString();
        }
        return toJson(String.valueOf(o));
    }
}
