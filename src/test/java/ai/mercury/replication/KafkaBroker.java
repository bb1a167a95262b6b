package ai.mercury.replication;

import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.Reader;
import java.io.Writer;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * A real single-node Apache Kafka broker (KRaft, broker and controller in one process) from
 * Kafka's own jars: what {@code kafka-server-start.sh} runs, without the distribution. For people,
 * {@code scripts/kafka --port N --dir DIR}; for tests, {@link #start} in the test JVM or
 * {@code KafkaBrokerProcess} in a child process.
 *
 * <p>{@code DIR} keeps {@code server.properties} (written on the first start: ports, cluster id)
 * and the log under {@code DIR/data}; a restart on the same directory keeps every topic and
 * record. Test scope: the broker, Scala and their dependencies stay out of the serving jar.
 */
public final class KafkaBroker implements AutoCloseable {
    /** Kafka's own loggers: warnings only unless {@code --verbose} (its INFO is hundreds of lines per start). */
    private static final Logger[] QUIET = {Logger.getLogger("kafka"), Logger.getLogger("org.apache.kafka"), Logger.getLogger("state.change.logger")};

    private final KafkaRaftServer server;
    private final int port;
    private final Path dir;

    private KafkaBroker(KafkaRaftServer server, int port, Path dir) {
        this.server = server;
        this.port = port;
        this.dir = dir;
    }

    /** Starts a broker listening on {@code host:port} (0: any free port), formatting {@code dir} the first time. */
    public static KafkaBroker start(String host, String advertisedHost, int port, Path dir) throws IOException {
        if (!Boolean.getBoolean("kafka.verbose")) quiet();
        Files.createDirectories(dir);
        Path propsFile = dir.resolve("server.properties");
        Properties props = new Properties();
        if (Files.isRegularFile(propsFile)) {
            try (Reader r = Files.newBufferedReader(propsFile)) {
                props.load(r);
            }
            int configured = Integer.parseInt(props.getProperty("mercury.port"));
            if (port != 0 && port != configured) {
                throw new IllegalArgumentException(dir + " belongs to a broker on port " + configured + ", not " + port + " (use another --dir)");
            }
            port = configured;
        } else {
            if (port == 0) port = freePort();
            int controllerPort = freePort();
            props.setProperty("mercury.port", Integer.toString(port));
            props.setProperty("mercury.cluster_id", Uuid.randomUuid().toString());
            props.setProperty("process.roles", "broker,controller");
            props.setProperty("node.id", "1");
            props.setProperty("controller.quorum.voters", "1@127.0.0.1:" + controllerPort);
            props.setProperty("listeners", "PLAINTEXT://" + host + ":" + port + ",CONTROLLER://127.0.0.1:" + controllerPort);
            props.setProperty("advertised.listeners", "PLAINTEXT://" + advertisedHost + ":" + port);
            props.setProperty("controller.listener.names", "CONTROLLER");
            props.setProperty("inter.broker.listener.name", "PLAINTEXT");
            props.setProperty("listener.security.protocol.map", "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT");
            props.setProperty("log.dirs", dir.resolve("data").toAbsolutePath().toString());
            props.setProperty("num.partitions", "1");
            props.setProperty("offsets.topic.replication.factor", "1");
            props.setProperty("transaction.state.log.replication.factor", "1");
            props.setProperty("transaction.state.log.min.isr", "1");
            props.setProperty("share.coordinator.state.topic.replication.factor", "1");
            props.setProperty("share.coordinator.state.topic.min.isr", "1");
            props.setProperty("group.initial.rebalance.delay.ms", "0");
            props.setProperty("auto.create.topics.enable", "false");
            try (Writer w = Files.newBufferedWriter(propsFile)) {
                props.store(w, "single-node KRaft broker for Mercury (scripts/kafka); mercury.* keys are the launcher's own");
            }
        }
        if (!Files.exists(dir.resolve("data").resolve("meta.properties"))) format(propsFile, props.getProperty("mercury.cluster_id"));
        Properties kafkaProps = new Properties();
        for (String key : props.stringPropertyNames()) if (!key.startsWith("mercury.")) kafkaProps.setProperty(key, props.getProperty(key));
        KafkaRaftServer server = new KafkaRaftServer(KafkaConfig.fromProps(kafkaProps, false), Time.SYSTEM);
        server.startup();
        return new KafkaBroker(server, port, dir);
    }

    private static void format(Path propsFile, String clusterId) {
        // StorageTool reads the file itself; it must not see the launcher's keys, which Kafka ignores anyway.
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int rc = kafka.tools.StorageTool.execute(new String[] {"format", "--config", propsFile.toString(), "--cluster-id", clusterId, "--ignore-formatted"},
                new PrintStream(out, true, StandardCharsets.UTF_8));
        if (rc != 0) throw new IllegalStateException("formatting the broker's storage failed (" + rc + "): " + out.toString(StandardCharsets.UTF_8));
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    public int port() {
        return port;
    }

    public String bootstrapServers() {
        return "127.0.0.1:" + port;
    }

    public Path dir() {
        return dir;
    }

    /** Controlled shutdown; returns when the broker and the controller have stopped. */
    @Override
    public void close() {
        server.shutdown();
        server.awaitShutdown();
    }

    static void quiet() {
        for (Logger l : QUIET) l.setLevel(Level.WARNING);
    }

    /** {@code --port N --dir DIR [--host H] [--advertised-host A] [--verbose]}: runs in the foreground until SIGTERM or SIGINT. */
    public static void main(String[] args) throws Exception {
        int port = 9092;
        Path dir = null;
        String host = "127.0.0.1";
        String advertised = null;
        boolean verbose = false;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--port" -> port = Integer.parseInt(args[++i]);
                case "--dir" -> dir = Path.of(args[++i]);
                case "--host" -> host = args[++i];
                case "--advertised-host" -> advertised = args[++i];
                case "--verbose" -> verbose = true;
                default -> {
                    System.err.println("usage: scripts/kafka --port N --dir DIR [--host 127.0.0.1] [--advertised-host HOST] [--verbose]");
                    System.exit(2);
                }
            }
        }
        if (dir == null) {
            System.err.println("--dir is required (the broker's storage; reused across restarts)");
            System.exit(2);
        }
        if (verbose) System.setProperty("kafka.verbose", "true");
        if (advertised == null) advertised = host.equals("0.0.0.0") ? java.net.InetAddress.getLocalHost().getHostName() : host;
        long t0 = System.nanoTime();
        KafkaBroker broker = start(host, advertised, port, dir);
        Thread stopper = new Thread(() -> {
            System.err.println("kafka: stopping");
            broker.close();
            System.err.println("kafka: stopped");
        }, "kafka-stop");
        Runtime.getRuntime().addShutdownHook(stopper);
        System.err.printf("kafka: listening on %s:%d (advertised %s:%d), storage %s, started in %d ms%n", host, broker.port(), advertised,
                broker.port(), dir.toAbsolutePath(), (System.nanoTime() - t0) / 1_000_000);
        broker.server.awaitShutdown();
    }
}
