package ai.mercury.deploy;

import ai.mercury.config.MercuryConfig;
import ai.mercury.server.MercuryServer;
import ai.mercury.testing.FixtureBundle;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The deployment files against a real server: every probe and health check of deploy/k8s,
 * deploy/compose.yaml and the Dockerfile names a route that answers 200 and the port the image
 * serves on; every metric the Grafana dashboard queries is in a real /metrics scrape (after a
 * live write, a cache hit and a rejected bundle, which register the lazily created meters).
 */
class DeployManifestsTest {
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String TOKEN = "deploy-test-token";
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static MercuryServer server;
    private static Path artifacts;

    @BeforeAll
    static void start() throws Exception {
        artifacts = Files.createTempDirectory("mercury-deploy-art-");
        FixtureBundle.copyTo(artifacts);
        Map<String, Object> overrides = new HashMap<>(Map.of("http.port", 0, "http.host", "127.0.0.1",
                "artifacts.dir", artifacts.toString(), "admin.token", TOKEN, "cache.enabled", "true",
                "swap.scan_interval_ms", 200, "swap.settle_ms", 100, "inference.warmup_queries", 2));
        overrides.put("swap.incomplete_timeout_ms", 300); // the broken drop below is judged at once
        overrides.put("items.journal_dir", Files.createTempDirectory("mercury-deploy-journal-").toString());
        // The image's small profile, as the container runs it (the port is the test's).
        MercuryConfig config = MercuryConfig.load(Path.of("conf/profiles/small.json"), Map.of(), overrides);
        server = MercuryServer.start(config).toCompletionStage().toCompletableFuture().get();
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (get("/health/ready").statusCode() != 200) {
            assertTrue(System.nanoTime() < deadline, "the server never became ready");
            Thread.sleep(100);
        }
    }

    @AfterAll
    static void stop() {
        if (server != null) server.close();
    }

    private static HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return send("GET", path, null);
    }

    private static HttpResponse<String> send(String method, String path, String json) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path)).timeout(Duration.ofSeconds(10))
                .method(method, json == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(json))
                .header("authorization", "Bearer " + TOKEN);
        if (json != null) b.header("content-type", "application/json");
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static JsonNode yaml(String file) throws IOException {
        return YAML.readTree(Path.of(file).toFile());
    }

    /** The port the image serves on: the small profile's http.port, which the Dockerfile EXPOSEs. */
    private static int imagePort() throws IOException {
        int port = JSON.readTree(Path.of("conf/profiles/small.json").toFile()).path("http").path("port").asInt();
        assertTrue(Files.readString(Path.of("Dockerfile")).contains("EXPOSE " + port), "the Dockerfile exposes " + port);
        return port;
    }

    @Test
    void kubernetesProbesNameRealRoutesAndTheServedPort() throws Exception {
        JsonNode deployment = yaml("deploy/k8s/deployment.yaml");
        assertEquals("Deployment", deployment.path("kind").asText());
        JsonNode container = deployment.at("/spec/template/spec/containers/0");
        Map<String, Integer> namedPorts = new HashMap<>();
        for (JsonNode p : container.path("ports")) namedPorts.put(p.path("name").asText(), p.path("containerPort").asInt());
        int imagePort = imagePort();
        List<String> probes = new ArrayList<>();
        for (String probe : List.of("readinessProbe", "livenessProbe", "startupProbe")) {
            JsonNode get = container.path(probe).path("httpGet");
            if (get.isMissingNode()) continue;
            JsonNode port = get.path("port");
            int resolved = port.isInt() ? port.asInt() : namedPorts.getOrDefault(port.asText(), -1);
            assertEquals(imagePort, resolved, probe + " port");
            String path = get.path("path").asText();
            assertEquals(200, get(path).statusCode(), probe + " " + path);
            probes.add(probe + " " + path);
        }
        assertTrue(probes.contains("readinessProbe /health/ready"), probes.toString());
        assertTrue(probes.contains("livenessProbe /health/live"), probes.toString());
        // The Service targets the container's port; the PVC backs both volume mounts.
        JsonNode service = yaml("deploy/k8s/service.yaml");
        JsonNode target = service.at("/spec/ports/0/targetPort");
        assertEquals(imagePort, target.isInt() ? target.asInt() : namedPorts.getOrDefault(target.asText(), -1), "Service targetPort");
        assertEquals(deployment.at("/spec/selector/matchLabels/app").asText(), service.at("/spec/selector/app").asText());
        String claim = yaml("deploy/k8s/pvc.yaml").at("/metadata/name").asText();
        assertEquals(claim, deployment.at("/spec/template/spec/volumes/0/persistentVolumeClaim/claimName").asText());
        Set<String> mounts = new TreeSet<>();
        for (JsonNode m : container.path("volumeMounts")) mounts.add(m.path("mountPath").asText());
        assertEquals(Set.of("/data/artifacts", "/data/journal", "/data/events"), mounts, "the image's volumes");
        // Every directory the server writes is a volume of the image, pointed at by its setting (the
        // image runs as non-root, so a relative default under /app would not be writable).
        String dockerfile = Files.readString(Path.of("Dockerfile"));
        for (String env : List.of("MERCURY_ARTIFACTS_DIR=/data/artifacts", "MERCURY_ITEMS_JOURNAL_DIR=/data/journal", "MERCURY_EVENTS_DIR=/data/events")) {
            assertTrue(dockerfile.contains(env), "the Dockerfile sets " + env);
            assertTrue(dockerfile.contains("\"" + env.substring(env.indexOf('=') + 1) + "\""), "the Dockerfile declares the volume of " + env);
        }
        // A probe on a route the server lacks would fail: the check above can fail.
        assertEquals(404, get("/healthz").statusCode());
    }

    @Test
    void composeAndImageHealthChecksUseTheReadyRoute() throws Exception {
        JsonNode compose = yaml("deploy/compose.yaml");
        JsonNode mercury = compose.at("/services/mercury");
        assertEquals(imagePort() + ":" + imagePort(), mercury.path("ports").get(0).asText());
        assertTrue(compose.at("/services/prometheus").isObject() && compose.at("/services/grafana").isObject());
        String healthcheck = Files.readString(Path.of("deploy/container/healthcheck.sh"));
        Matcher m = Pattern.compile("GET (\\S+) HTTP/1.1").matcher(healthcheck);
        assertTrue(m.find(), "healthcheck.sh sends a GET");
        assertEquals("/health/ready", m.group(1));
        assertEquals(200, get(m.group(1)).statusCode());
        assertTrue(healthcheck.contains("${PORT:-" + imagePort() + "}"), "healthcheck.sh defaults to the image's port");
        String prometheus = Files.readString(Path.of("deploy/prometheus.yml"));
        assertTrue(prometheus.contains("mercury:" + imagePort()) && prometheus.contains("metrics_path: /metrics"), prometheus);
    }

    @Test
    void everyMetricTheDashboardQueriesIsExported() throws Exception {
        JsonNode dashboard = JSON.readTree(Path.of("deploy/grafana/mercury.json").toFile());
        Set<String> queried = new TreeSet<>();
        Pattern metric = Pattern.compile("\\b((?:vertx|mercury|jvm|process|system)_[a-zA-Z0-9_]+)");
        for (JsonNode panel : dashboard.path("panels")) {
            for (JsonNode target : panel.path("targets")) {
                Matcher m = metric.matcher(target.path("expr").asText());
                while (m.find()) queried.add(m.group(1));
            }
        }
        assertTrue(queried.size() >= 15, "the dashboard queries " + queried);

        // Register the meters that appear on first use: a live write, a cache miss then hit, a rejected bundle.
        String item = "{\"title\": \"Deploy test mug, hand made\", \"price\": 3.5}";
        assertEquals(201, send("PUT", "/items/DEPLOY-1", item).statusCode());
        String body = "{\"context\": {\"country\": \"France\", \"timestamp\": \"2011-11-04T09:30:00Z\"}, \"k\": 3}";
        assertEquals(200, send("POST", "/recommend", body).statusCode());
        assertEquals(200, send("POST", "/recommend", body).statusCode());
        assertEquals(404, get("/no-such-route").statusCode());
        Path bad = artifacts.resolve("20990101T000000Z");
        Files.createDirectories(bad);
        Files.writeString(bad.resolve("manifest.json"), "{\"format\": \"not a bundle\"}");

        Set<String> exported = new TreeSet<>();
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        Set<String> missing;
        do {
            exported.clear();
            for (String line : get("/metrics").body().split("\n")) {
                if (line.isEmpty() || line.startsWith("#")) continue;
                exported.add(line.split("[{ ]", 2)[0]);
            }
            missing = new TreeSet<>(queried);
            missing.removeAll(exported);
            if (!missing.isEmpty()) Thread.sleep(200);
        } while (!missing.isEmpty() && System.nanoTime() < deadline);
        assertEquals(Set.of(), missing, "queried by deploy/grafana/mercury.json but not exported");
        assertFalse(exported.isEmpty());
    }
}
