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

/**
 * Starts the HTTP server on the newest valid bundle of the artifacts directory. The port is
 * {@code --port}, else {@code MERCURY_HTTP_PORT}, else {@code PORT} (what Render, Hugging Face
 * Spaces, Heroku-style platforms set), else the file's {@code http.port}. SIGTERM/SIGINT drain
 * in-flight requests for up to {@code http.shutdown_grace_ms}, close the journal, and exit (143/130).
 */
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
        Map<String, String> env = withPlatformPort(System.getenv());
        warnWithoutVectorModule();
        MercuryConfig cfg;
        try {
            cfg = MercuryConfig.load(file, env, overrides);
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
                long t0 = System.nanoTime();
                System.out.println("mercury: shutting down (draining for up to " + cfg.shutdownGraceMs() + " ms)");
                server.close();
                System.out.printf("mercury: stopped in %d ms; journal closed%n", (System.nanoTime() - t0) / 1_000_000);
                System.out.flush();
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

    /** {@code PORT} stands for {@code MERCURY_HTTP_PORT} when that is not set (platforms set PORT). */
    static Map<String, String> withPlatformPort(Map<String, String> env) {
        String platformPort = env.get("PORT");
        String own = env.get("MERCURY_HTTP_PORT");
        if (platformPort == null || platformPort.isBlank() || (own != null && !own.isBlank())) return env;
        Map<String, String> copy = new HashMap<>(env);
        copy.put("MERCURY_HTTP_PORT", platformPort);
        return copy;
    }

    /**
     * The exact index's dot products need the incubator module jdk.incubator.vector, which a
     * manifest cannot add (there is no Add-Modules attribute) and which a plain {@code java -jar}
     * does not resolve: without it they are scalar, and serving measured 2.5x slower. Re-executing
     * the JVM was rejected: a second JVM costs ~40 MB RSS and must forward signals. So: a loud
     * warning with the exact fix, unless the scalar kernel was asked for.
     */
    static void warnWithoutVectorModule() {
        if (vectorModulePresent() || !Boolean.parseBoolean(System.getProperty("mercury.index.simd", "true"))) return;
        System.err.println(vectorWarning());
    }

    static boolean vectorModulePresent() {
        return ModuleLayer.boot().findModule(VECTOR_MODULE).isPresent();
    }

    static final String VECTOR_MODULE = "jdk.incubator.vector";

    static String vectorWarning() {
        return String.join(System.lineSeparator(),
                "WARNING: ************************************************************************",
                "WARNING: the JVM was started without --add-modules " + VECTOR_MODULE + ": dot products fall back",
                "WARNING: to scalar code and /recommend serves about 2.5x fewer requests per second.",
                "WARNING: start it as   java --add-modules " + VECTOR_MODULE + " -jar mercury.jar serve ...",
                "WARNING: or set        JDK_JAVA_OPTIONS='--add-modules " + VECTOR_MODULE + "'   (read by the java launcher)",
                "WARNING: (scripts/serve and the container image do this; -Dmercury.index.simd=false silences this)",
                "WARNING: ************************************************************************");
    }
}
