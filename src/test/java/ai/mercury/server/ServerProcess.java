package ai.mercury.server;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The fat jar ({@code target/mercury.jar}, passed by failsafe as {@code -Dmercury.jar}) serving in a
 * child process on 127.0.0.1, for tests that must kill a real server. Output goes to a log file.
 */
final class ServerProcess implements AutoCloseable {
    final int port;
    final Path log;
    private final Process process;
    final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private ServerProcess(int port, Path log, Process process) {
        this.port = port;
        this.log = log;
        this.process = process;
    }

    private static final String NATIVE_CACHE = "mercury.native_cache";

    /** Where the servers keep ONNX Runtime's native libraries: the build's own cache, as failsafe passes it. */
    static Path nativeCache() {
        String configured = System.getProperty(NATIVE_CACHE);
        return configured != null ? Path.of(configured) : jar().toAbsolutePath().getParent().resolve("native-cache");
    }

    static Path jar() {
        String jar = System.getProperty("mercury.jar", "target/mercury.jar");
        Path p = Path.of(jar);
        if (!Files.isRegularFile(p)) throw new IllegalStateException("no server jar at " + p.toAbsolutePath() + "; run `mvn package` first");
        return p;
    }

    static ServerProcess start(Path artifacts, Path journal, String token, Path logDir, String... extraSets) throws IOException {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-modules", "jdk.incubator.vector", "-Xmx1g", "-D" + NATIVE_CACHE + "=" + nativeCache(), "-jar", jar().toString(), "serve",
                "--port", Integer.toString(port), "--artifacts", artifacts.toString(),
                "--set", "http.host=127.0.0.1", "--set", "items.journal_dir=" + journal, "--set", "swap.watch=false",
                "--set", "events.dir=" + journal.resolve("events"),
                // the fixed 5 s start-up warm-up, not "until the JIT is quiet": several servers share the CI's two cores
                "--set", "warmup.http_max_seconds=0",
                // no shedding on event-loop lag: several servers and builds share the CI's two cores
                "--set", "inference.max_loop_lag_ms=0"));
        for (String s : extraSets) {
            cmd.add("--set");
            cmd.add(s);
        }
        Path log = Files.createTempFile(logDir, "server-", ".log");
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().put("MERCURY_ADMIN_TOKEN", token);
        return new ServerProcess(port, log, pb.start());
    }

    /** Waits for /health/ready; fails with the server's log when it does not come up. */
    ServerProcess awaitReady(Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) throw new IllegalStateException("the server exited with " + process.exitValue() + ":\n" + Files.readString(log));
            try {
                if (get("/health/ready").statusCode() == 200) return this;
            } catch (IOException e) {
                // not listening yet
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException("not ready within " + timeout + ":\n" + Files.readString(log));
    }

    HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(10)).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<String> send(String method, String path, String token, String json) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(10))
                .method(method, json == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(json));
        if (json != null) b.header("content-type", "application/json");
        if (token != null) b.header("authorization", "Bearer " + token);
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private URI uri(String path) {
        return URI.create("http://127.0.0.1:" + port + path);
    }

    /**
     * The file a shared library whose name starts with {@code prefix} was mapped from, read from
     * {@code /proc/<pid>/maps}; null when no such library is mapped.
     */
    Path mappedLibrary(String prefix) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc", Long.toString(process.pid()), "maps"))) {
            int slash = line.indexOf('/');
            if (slash < 0) continue;
            Path file = Path.of(line.substring(slash).replace(" (deleted)", ""));
            if (file.getFileName().toString().startsWith(prefix)) return file;
        }
        return null;
    }

    /** SIGTERM, then waits up to {@code timeout} for the exit; returns the exit code (or fails with the log). */
    int terminate(Duration timeout) throws Exception {
        process.destroy();
        if (!process.waitFor(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)) {
            throw new IllegalStateException("still running " + timeout + " after SIGTERM:\n" + Files.readString(log));
        }
        return process.exitValue();
    }

    /** SIGKILL: no shutdown hook, no flush, no chance to finish a write. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor();
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            process.destroy();
            if (!process.waitFor(20, java.util.concurrent.TimeUnit.SECONDS)) kill();
        }
    }
}
