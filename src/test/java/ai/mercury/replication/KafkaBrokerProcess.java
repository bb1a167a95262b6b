package ai.mercury.replication;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * {@link KafkaBroker} in a child JVM on this JVM's classpath (the test classpath, which holds the
 * broker jars), for tests that stop and restart the broker while servers run. A restart on the same
 * directory and port keeps every topic and record.
 */
public final class KafkaBrokerProcess implements AutoCloseable {
    private final int port;
    private final Path dir;
    private final Path log;
    private Process process;

    private KafkaBrokerProcess(int port, Path dir, Path log) {
        this.port = port;
        this.dir = dir;
        this.log = log;
    }

    /** Starts a broker on a free port with its storage in {@code dir}; returns once it accepts connections. */
    public static KafkaBrokerProcess start(Path dir, Path logDir, Duration timeout) throws Exception {
        KafkaBrokerProcess b = new KafkaBrokerProcess(KafkaBroker.freePort(), dir, Files.createTempFile(logDir, "kafka-", ".log"));
        b.restart(timeout);
        return b;
    }

    /** Starts the broker again (after {@link #stop}) on the same port and directory. */
    public void restart(Duration timeout) throws Exception {
        if (process != null && process.isAlive()) throw new IllegalStateException("the broker still runs");
        int startsBefore = starts();
        List<String> cmd = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx512m", "-XX:+UseSerialGC",
                "-cp", System.getProperty("java.class.path"), KafkaBroker.class.getName(), "--port", Integer.toString(port), "--dir", dir.toString());
        process = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) throw new IllegalStateException("the broker exited with " + process.exitValue() + ":\n" + Files.readString(log));
            if (starts() > startsBefore && accepts()) return;
            Thread.sleep(100);
        }
        throw new IllegalStateException("the broker did not start within " + timeout + ":\n" + Files.readString(log));
    }

    /** "listening" lines in the log (appended to across restarts). */
    private int starts() throws IOException {
        return Files.readString(log).split("kafka: listening on", -1).length - 1;
    }

    private boolean accepts() {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 500);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** SIGTERM (controlled shutdown), waiting for the exit. */
    public void stop() throws Exception {
        process.destroy();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor();
            throw new IllegalStateException("the broker did not stop within 60 s of SIGTERM:\n" + Files.readString(log));
        }
    }

    /** SIGSTOP: a hung broker (its connections stay open, nothing is answered) until {@link #thaw}. */
    public void freeze() throws Exception {
        signal("-STOP");
    }

    /** SIGCONT after {@link #freeze}. */
    public void thaw() throws Exception {
        signal("-CONT");
    }

    private void signal(String signal) throws Exception {
        Process kill = new ProcessBuilder("kill", signal, Long.toString(process.pid())).redirectErrorStream(true).start();
        if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
            throw new IllegalStateException("kill " + signal + " " + process.pid() + " failed: " + new String(kill.getInputStream().readAllBytes()));
        }
    }

    public String bootstrapServers() {
        return "127.0.0.1:" + port;
    }

    public Path log() {
        return log;
    }

    @Override
    public void close() throws Exception {
        if (process != null && process.isAlive()) {
            process.destroy();
            if (!process.waitFor(30, TimeUnit.SECONDS)) process.destroyForcibly().waitFor();
        }
    }
}
