package ai.mercury.cli;

import ai.mercury.config.MercuryConfig;
import ai.mercury.server.JsonLogFormatter;
import ai.mercury.server.MercuryServer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/** Starts the HTTP server on the newest valid bundle of the artifacts directory. */
@Command(name = "serve", mixinStandardHelpOptions = true, description = "Serve POST /recommend from the newest bundle in the artifacts directory.")
final class ServeCommand implements Callable<Integer> {
    static volatile boolean serving;

    @Option(names = "--config", description = "JSON configuration file (default: conf/mercury.json when present)")
    Path config;

    @Option(names = "--port", description = "HTTP port (overrides http.port)")
    Integer port;

    @Option(names = "--artifacts", description = "artifacts directory (overrides artifacts.dir)")
    Path artifacts;

    @Option(names = "--set", description = "any configuration key, e.g. --set index.kind=hnsw")
    Map<String, String> sets = new HashMap<>();

    @Override
    public Integer call() throws InterruptedException {
        Path file = config;
        if (file == null && Files.isRegularFile(Path.of("conf", "mercury.json"))) file = Path.of("conf", "mercury.json");
        Map<String, Object> overrides = new HashMap<>(sets);
        if (port != null) overrides.put("http.port", port);
        if (artifacts != null) overrides.put("artifacts.dir", artifacts.toString());
        MercuryConfig cfg;
        try {
            cfg = MercuryConfig.load(file, System.getenv(), overrides);
        } catch (MercuryConfig.ConfigException e) {
            System.err.println("configuration error: " + e.getMessage());
            return 2;
        }
        JsonLogFormatter.install(cfg.edge());
        try {
            MercuryServer server = MercuryServer.start(cfg).toCompletionStage().toCompletableFuture().join();
            serving = true;
            CountDownLatch stopped = new CountDownLatch(1);
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                server.close();
                stopped.countDown();
            }, "mercury-shutdown"));
            System.out.println("mercury listening on " + cfg.httpHost() + ":" + server.port() + ", artifacts " + cfg.artifactsDir().toAbsolutePath());
            stopped.await(); // Vert.x threads are daemons: keep the JVM up until SIGTERM/SIGINT
            return 0;
        } catch (RuntimeException e) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            System.err.println("cannot start: " + cause.getMessage());
            return 1;
        }
    }
}
