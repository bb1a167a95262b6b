package ai.mercury.server;

import ai.mercury.testing.FixtureBundle;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.json.schema.Draft;
import io.vertx.json.schema.JsonSchema;
import io.vertx.json.schema.JsonSchemaOptions;
import io.vertx.json.schema.OutputUnit;
import io.vertx.json.schema.Validator;
import io.vertx.openapi.contract.OpenAPIContract;
import io.vertx.openapi.validation.ResponseValidator;
import io.vertx.openapi.validation.ValidatableResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The OpenAPI document (src/main/resources/openapi/openapi.yaml) against a running server: the
 * routes the router has are exactly the document's operations, and real answers, every success and
 * every error the document lists, validate against its schemas with Vert.x's OpenAPI validator.
 *
 * <p>Adding a route: describe it in openapi.yaml and add its requests to {@link #cases()}; the two
 * checks below then say what is missing.
 */
class OpenApiContractTest {
    private static final String TOKEN = "contract-test-token";
    /** {@code events.token}: set, so that the 401 of {@code POST /events} is real. */
    private static final String EVENTS_TOKEN = "contract-test-events-token";
    /** A newer bundle directory that fails validation: activating it is the 409. */
    private static final String BROKEN = "20990101T000000Z";
    /** Documented answers no request of a healthy test server can provoke, and why. */
    private static final Map<String, String> NOT_PROVOKED = Map.of(
            "adminActivate 503", "shutting_down: only while the server stops",
            "adminUnpin 503", "shutting_down: only while the server stops",
            "putItem 202", "replication only (ReplicatedItemsTest, ReplicationIT): Kafka took the write, this replica had not applied it in time",
            "deleteItem 202", "replication only, as putItem 202");

    private static ServerHarness serving;
    private static ServerHarness empty;
    private static JsonObject document;
    private static OpenAPIContract contract;
    private static ResponseValidator validator;

    /** One request and the status it must get; {@code noModel} sends it to the server without a bundle. */
    record Case(String operationId, HttpMethod method, String path, Map<String, String> headers, String body, int status, boolean noModel) {
        Case(String operationId, HttpMethod method, String path, int status) {
            this(operationId, method, path, Map.of(), null, status, false);
        }

        Case withBody(String contentType, String json) {
            Map<String, String> h = new HashMap<>(headers);
            h.put("content-type", contentType);
            return new Case(operationId, method, path, h, json, status, noModel);
        }

        Case admin() {
            return header("authorization", "Bearer " + TOKEN);
        }

        Case eventsToken() {
            return header("authorization", "Bearer " + EVENTS_TOKEN);
        }

        Case header(String name, String value) {
            Map<String, String> h = new HashMap<>(headers);
            h.put(name, value);
            return new Case(operationId, method, path, h, body, status, noModel);
        }

        Case onEmptyServer() {
            return new Case(operationId, method, path, headers, body, status, true);
        }

        String key() {
            return operationId + " " + status;
        }
    }

    @BeforeAll
    static void start(@TempDir Path artifacts, @TempDir Path none) throws Exception {
        FixtureBundle.copyTo(artifacts);
        Path broken = Files.createDirectories(artifacts.resolve(BROKEN));
        Files.writeString(broken.resolve("manifest.json"), "{ not json");
        Map<String, Object> config = Map.of("admin.token", TOKEN, "http.max_body_bytes", 2048,
                "events.token", EVENTS_TOKEN, "events.max_batch", 3, "events.max_body_bytes", 1024);
        serving = new ServerHarness(artifacts, config);
        assertTrue(serving.awaitInitialLoad(), "the fixture bundle serves");
        empty = new ServerHarness(none, config);
        empty.awaitInitialLoad();
        // The server without a bundle also has its event log closed, as while a server stops: writes to
        // the log fail there, which is the 503 event_log_unavailable of POST /events and of the forgets.
        empty.server.lifecycle().events().close();
        try (InputStream in = OpenApiContractTest.class.getClassLoader().getResourceAsStream(StaticRoutes.OPENAPI_RESOURCE)) {
            document = new JsonObject(new ObjectMapper().writeValueAsString(new ObjectMapper(new YAMLFactory()).readTree(in)));
        }
        contract = ServerHarness.await(OpenAPIContract.from(serving.clientVertx, validatable(document)));
        validator = ResponseValidator.create(serving.clientVertx, contract);
    }

    @AfterAll
    static void stop() {
        if (serving != null) serving.close();
        if (empty != null) empty.close();
    }

    /** Every route the router has is documented, and every documented operation is routed. */
    @Test
    void routesAndDocumentAgree() {
        Set<String> routed = serving.server.routes().routes();
        Set<String> documented = new TreeSet<>();
        JsonObject paths = document.getJsonObject("paths");
        for (String path : paths.fieldNames()) {
            for (String method : paths.getJsonObject(path).fieldNames()) {
                if (!method.equals("parameters")) documented.add(method.toUpperCase() + " " + path);
            }
        }
        Set<String> undocumented = new TreeSet<>(routed);
        undocumented.removeAll(documented);
        Set<String> unrouted = new TreeSet<>(documented);
        unrouted.removeAll(routed);
        assertEquals(Set.of(), undocumented, "routes missing from openapi.yaml");
        assertEquals(Set.of(), unrouted, "operations of openapi.yaml that no route serves");
    }

    /** Real answers of every documented status validate against the document, and every documented status is exercised. */
    @Test
    void realAnswersValidateAndEveryDocumentedResponseIsExercised() {
        Set<String> exercised = new TreeSet<>();
        List<String> failures = new ArrayList<>();
        for (Case c : cases()) {
            HttpResponse<Buffer> r = send(c);
            String what = c.method() + " " + c.path() + " (" + c.key() + ")";
            if (r.statusCode() != c.status()) {
                failures.add(what + ": got " + r.statusCode() + " " + r.bodyAsString());
                continue;
            }
            exercised.add(c.key());
            String problem = validate(c.operationId(), r);
            if (problem != null) failures.add(what + ": " + problem);
        }
        assertEquals(List.of(), failures);
        Set<String> documented = documentedResponses();
        documented.removeAll(NOT_PROVOKED.keySet());
        documented.removeAll(exercised);
        assertEquals(Set.of(), documented, "documented responses no case exercises (add a case to cases())");
    }

    /** The validator is not a rubber stamp: answers that break the document fail it. */
    @Test
    void theValidatorRejectsAnswersThatBreakTheDocument() {
        Map<String, String> json = Map.of("content-type", "application/json");
        String[] wrong = {"{\"model_version\": \"v\", \"took_ms\": 1.0, \"items\": [{\"item_id\": \"A001\"}], \"unknown_history\": []}",
                "{\"model_version\": \"v\", \"took_ms\": 1.0, \"items\": [], \"unknown_history\": [], \"extra\": 1}",
                "{\"error\": \"bad_request\"}"};
        int[] status = {200, 200, 400};
        for (int i = 0; i < wrong.length; i++) {
            var response = ValidatableResponse.create(status[i], json, Buffer.buffer(wrong[i]), "application/json");
            var outcome = validator.validate(response, "recommend").toCompletionStage().toCompletableFuture();
            assertTrue(outcome.isCompletedExceptionally() || failsLater(outcome), "must not validate: " + wrong[i]);
        }
    }

    private static boolean failsLater(java.util.concurrent.CompletableFuture<?> f) {
        try {
            f.get(10, java.util.concurrent.TimeUnit.SECONDS);
            return false;
        } catch (Exception e) {
            return true;
        }
    }

    /** 404 and 405, which the document states for every path, have the documented error body. */
    @Test
    void unknownRoutesAndMethodsAnswerTheErrorSchema() {
        JsonObject errorSchema = document.getJsonObject("components").getJsonObject("schemas").getJsonObject("Error");
        Validator error = Validator.create(JsonSchema.of(errorSchema), new JsonSchemaOptions().setDraft(Draft.DRAFT202012).setBaseUri("app:///"));
        for (Case c : List.of(new Case("-", HttpMethod.GET, "/nope", 404), new Case("-", HttpMethod.GET, "/recommend", 405),
                new Case("-", HttpMethod.PATCH, "/items/A001", 405))) {
            HttpResponse<Buffer> r = send(c);
            assertEquals(c.status(), r.statusCode(), r.bodyAsString());
            OutputUnit out = error.validate(r.bodyAsJsonObject());
            assertTrue(out.getValid(), c.path() + ": " + out.getErrors());
        }
    }

    /**
     * The protocol errors the document's description lists (answered before any route) have the
     * Error schema and the documented code, and the description names each of them.
     */
    @Test
    void protocolErrorsAnswerTheErrorSchema() throws Exception {
        JsonObject errorSchema = document.getJsonObject("components").getJsonObject("schemas").getJsonObject("Error");
        Validator error = Validator.create(JsonSchema.of(errorSchema), new JsonSchemaOptions().setDraft(Draft.DRAFT202012).setBaseUri("app:///"));
        String description = document.getJsonObject("info").getString("description");
        Map<String, byte[]> requests = new LinkedHashMap<>();
        requests.put("400 bad_request", "POST /recommend HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n"
                .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        requests.put("414 uri_too_long", HostileInputTest.request("GET", "/" + "a".repeat(10_000), Map.of(), null));
        requests.put("431 header_fields_too_large", HostileInputTest.request("GET", "/health/live", Map.of("X-Big", "b".repeat(10_000)), null));
        requests.put("417 expectation_failed", HostileInputTest.request("POST", "/recommend",
                Map.of("Content-Type", "application/json", "Expect", "bogus"), "{}".getBytes(java.nio.charset.StandardCharsets.US_ASCII)));
        for (Map.Entry<String, byte[]> e : requests.entrySet()) {
            String[] statusAndCode = e.getKey().split(" ");
            assertTrue(description.contains("`" + e.getKey() + "`"), "the description lists " + e.getKey());
            RawHttp.Exchange x = RawHttp.exchange(serving.server.port(), e.getValue(), 1, 5000);
            assertEquals(1, x.responses().size(), e.getKey() + ": " + new String(x.raw(), java.nio.charset.StandardCharsets.ISO_8859_1));
            RawHttp.Response r = x.responses().get(0);
            assertEquals(Integer.parseInt(statusAndCode[0]), r.status(), e.getKey() + ": " + r.head());
            JsonObject body = new JsonObject(r.bodyText());
            assertEquals(statusAndCode[1], body.getString("error"), body.encode());
            OutputUnit out = error.validate(body);
            assertTrue(out.getValid(), e.getKey() + ": " + out.getErrors());
        }
    }

    /** The requests: for each operation its success and each error it documents. Order matters where state changes. */
    static List<Case> cases() {
        String bad = "{\"k\": 0}";
        String big = "{\"query\": \"" + "x".repeat(3000) + "\"}";
        String item = "{\"title\": \"Contract test lantern\", \"price\": 3.5}";
        List<Case> c = new ArrayList<>();
        // recommend
        c.add(new Case("recommend", HttpMethod.POST, "/recommend", 200).withBody("application/json", "{\"context\": {\"country\": \"France\"}, \"history\": [\"A001\", \"nope\"], \"k\": 3}"));
        c.add(new Case("recommend", HttpMethod.POST, "/recommend", 400).withBody("application/json", "{\"k\": "));
        c.add(new Case("recommend", HttpMethod.POST, "/recommend", 400).withBody("application/json", bad));
        c.add(new Case("recommend", HttpMethod.POST, "/recommend", 413).withBody("application/json", big));
        c.add(new Case("recommend", HttpMethod.POST, "/recommend", 415).withBody("text/plain", "{}"));
        c.add(new Case("recommend", HttpMethod.POST, "/recommend", 503).withBody("application/json", "{}").onEmptyServer());
        // events: record a session (and a user), then recommend by it, show it and forget it
        String event = "{\"event_type\": \"view\", \"session_id\": \"ct-s1\", \"user_id\": \"ct-u1\", \"item_id\": \"A001\"}";
        String noItem = "{\"event_type\": \"click\", \"session_id\": \"ct-s1\"}";
        c.add(new Case("postEvents", HttpMethod.POST, "/events", 200).withBody("application/json", event).eventsToken());
        c.add(new Case("postEvents", HttpMethod.POST, "/events?sync=true", 200).withBody("application/json", "{\"events\": ["
                + "{\"event_type\": \"purchase\", \"session_id\": \"ct-s1\", \"item_id\": \"A002\", \"timestamp\": \"" + java.time.Instant.now() + "\"}, "
                + noItem + "]}").eventsToken());
        c.add(new Case("postEvents", HttpMethod.POST, "/events", 400).withBody("application/json", "[1, 2]").eventsToken());
        c.add(new Case("postEvents", HttpMethod.POST, "/events", 400).withBody("application/json", noItem).eventsToken());
        c.add(new Case("postEvents", HttpMethod.POST, "/events", 400).withBody("application/json", "{\"events\": [" + noItem + "]}").eventsToken());
        c.add(new Case("postEvents", HttpMethod.POST, "/events?sync=maybe", 400).withBody("application/json", event).eventsToken());
        c.add(new Case("postEvents", HttpMethod.POST, "/events", 401).withBody("application/json", event));
        c.add(new Case("postEvents", HttpMethod.POST, "/events", 401).withBody("application/json", event).header("authorization", "Bearer " + TOKEN));
        c.add(new Case("postEvents", HttpMethod.POST, "/events", 413).withBody("application/json", "{\"events\": [" + String.join(", ", java.util.Collections.nCopies(4, event)) + "]}").eventsToken());
        c.add(new Case("postEvents", HttpMethod.POST, "/events", 413).withBody("application/json", "{\"events\": [" + String.join(", ", java.util.Collections.nCopies(20, event)) + "]}").eventsToken());
        c.add(new Case("postEvents", HttpMethod.POST, "/events", 415).withBody("text/plain", event).eventsToken());
        c.add(new Case("postEvents", HttpMethod.POST, "/events", 503).withBody("application/json", event).eventsToken().onEmptyServer());
        c.add(new Case("recommend", HttpMethod.POST, "/recommend", 200).withBody("application/json",
                "{\"session_id\": \"ct-s1\", \"k\": 3, \"filters\": {\"exclude_seen\": true, \"exclude_purchased\": true}}"));
        c.add(new Case("recommend", HttpMethod.POST, "/recommend", 200).withBody("application/json",
                "{\"session_id\": \"ct-nobody\", \"user_id\": \"ct-u1\", \"history\": [\"A003\"], \"k\": 3}"));
        c.add(new Case("recommend", HttpMethod.POST, "/recommend", 400).withBody("application/json", "{\"session_id\": \"ct-s1\", \"filters\": {\"exclude_seen\": 1}}"));
        c.add(new Case("getSession", HttpMethod.GET, "/sessions/ct-s1", 200).admin());
        c.add(new Case("getSession", HttpMethod.GET, "/sessions/bad%20id", 400).admin());
        c.add(new Case("getSession", HttpMethod.GET, "/sessions/ct-s1", 401));
        c.add(new Case("getSession", HttpMethod.GET, "/sessions/ct-nobody", 404).admin());
        c.add(new Case("forgetSession", HttpMethod.DELETE, "/sessions/ct-s1", 200).admin());
        c.add(new Case("getSession", HttpMethod.GET, "/sessions/ct-s1", 404).admin());
        c.add(new Case("forgetSession", HttpMethod.DELETE, "/sessions/" + "x".repeat(129), 400).admin());
        c.add(new Case("forgetSession", HttpMethod.DELETE, "/sessions/ct-s1", 401).header("authorization", "Bearer " + EVENTS_TOKEN));
        c.add(new Case("forgetSession", HttpMethod.DELETE, "/sessions/ct-s1", 503).admin().onEmptyServer());
        c.add(new Case("forgetUser", HttpMethod.DELETE, "/users/ct-u1", 200).admin());
        c.add(new Case("forgetUser", HttpMethod.DELETE, "/users/bad%20id", 400).admin());
        c.add(new Case("forgetUser", HttpMethod.DELETE, "/users/ct-u1", 401));
        c.add(new Case("forgetUser", HttpMethod.DELETE, "/users/ct-u1", 503).admin().onEmptyServer());
        // search
        c.add(new Case("searchItems", HttpMethod.GET, "/items?query=lunch%20bag&k=5", 200));
        c.add(new Case("searchItems", HttpMethod.GET, "/items?query=cake", 200));
        c.add(new Case("searchItems", HttpMethod.GET, "/items?k=5", 400));
        c.add(new Case("searchItems", HttpMethod.GET, "/items?query=cake&k=0", 400));
        c.add(new Case("searchItems", HttpMethod.GET, "/items?query=cake&sort=price", 400));
        c.add(new Case("searchItems", HttpMethod.GET, "/items?query=%zz", 400));
        c.add(new Case("searchItems", HttpMethod.GET, "/items?query=" + "x".repeat(1001), 400));
        c.add(new Case("searchItems", HttpMethod.GET, "/items?query=cake", 503).onEmptyServer());
        // live items: write, read, delete
        c.add(new Case("putItem", HttpMethod.PUT, "/items/CT-1", 201).withBody("application/json", item).admin());
        c.add(new Case("putItem", HttpMethod.PUT, "/items/CT-1", 200).withBody("application/json", item.replace("3.5", "3.9")).admin());
        c.add(new Case("putItem", HttpMethod.PUT, "/items/CT-1", 400).withBody("application/json", "{\"title\": \"x\"}").admin());
        c.add(new Case("putItem", HttpMethod.PUT, "/items/CT-1", 401).withBody("application/json", item));
        c.add(new Case("putItem", HttpMethod.PUT, "/items/CT-1", 413).withBody("application/json", big).admin());
        c.add(new Case("putItem", HttpMethod.PUT, "/items/CT-1", 415).withBody("text/plain", item).admin());
        c.add(new Case("putItem", HttpMethod.PUT, "/items/CT-1", 503).withBody("application/json", item).admin().onEmptyServer());
        c.add(new Case("getItem", HttpMethod.GET, "/items/CT-1", 200));
        c.add(new Case("getItem", HttpMethod.GET, "/items/A001", 200));
        c.add(new Case("getItem", HttpMethod.GET, "/items/bad%20id", 400));
        c.add(new Case("getItem", HttpMethod.GET, "/items/NOPE", 404));
        c.add(new Case("getItem", HttpMethod.GET, "/items/A001", 503).onEmptyServer());
        c.add(new Case("deleteItem", HttpMethod.DELETE, "/items/CT-1", 200).admin());
        c.add(new Case("deleteItem", HttpMethod.DELETE, "/items/CT-1", 404).admin());
        c.add(new Case("deleteItem", HttpMethod.DELETE, "/items/bad%20id", 400).admin());
        c.add(new Case("deleteItem", HttpMethod.DELETE, "/items/A001", 401));
        c.add(new Case("deleteItem", HttpMethod.DELETE, "/items/A001", 503).admin().onEmptyServer());
        // model and operations
        c.add(new Case("getModel", HttpMethod.GET, "/model", 200));
        c.add(new Case("getModel", HttpMethod.GET, "/model", 503).onEmptyServer());
        c.add(new Case("live", HttpMethod.GET, "/health/live", 200));
        c.add(new Case("ready", HttpMethod.GET, "/health/ready", 200));
        c.add(new Case("ready", HttpMethod.GET, "/health/ready", 503).onEmptyServer());
        c.add(new Case("metrics", HttpMethod.GET, "/metrics", 200));
        // admin: status, rollback to the serving version (pins it), errors, unpin
        c.add(new Case("adminBundles", HttpMethod.GET, "/admin/bundles", 200).admin());
        c.add(new Case("adminBundles", HttpMethod.GET, "/admin/bundles", 401));
        c.add(new Case("adminActivate", HttpMethod.POST, "/admin/bundles/" + FixtureBundle.VERSION + "/activate", 200).admin());
        c.add(new Case("adminActivate", HttpMethod.POST, "/admin/bundles/-bad/activate", 400).admin());
        c.add(new Case("adminActivate", HttpMethod.POST, "/admin/bundles/" + FixtureBundle.VERSION + "/activate", 401).header("authorization", "Bearer wrong"));
        c.add(new Case("adminActivate", HttpMethod.POST, "/admin/bundles/20500101T000000Z/activate", 404).admin());
        c.add(new Case("adminActivate", HttpMethod.POST, "/admin/bundles/" + BROKEN + "/activate", 409).admin());
        c.add(new Case("adminUnpin", HttpMethod.DELETE, "/admin/bundles/pin", 200).admin());
        c.add(new Case("adminUnpin", HttpMethod.DELETE, "/admin/bundles/pin", 401));
        c.add(new Case("adminReplication", HttpMethod.GET, "/admin/replication", 200).admin());
        c.add(new Case("adminReplication", HttpMethod.GET, "/admin/replication", 401));
        c.add(new Case("adminCatalogDigest", HttpMethod.GET, "/admin/catalog/digest", 200).admin());
        c.add(new Case("adminCatalogDigest", HttpMethod.GET, "/admin/catalog/digest", 401));
        c.add(new Case("adminCatalogDigest", HttpMethod.GET, "/admin/catalog/digest", 503).admin().onEmptyServer());
        // pages and documents: 200, then 304 with the ETag of the 200
        for (String[] page : new String[][] {{"openApiYaml", "/openapi.yaml"}, {"openApiJson", "/openapi.json"}, {"demoPage", "/"},
                {"docsPage", "/docs"}, {"staticFile", "/static/app.js"}}) {
            c.add(new Case(page[0], HttpMethod.GET, page[1], 200));
            c.add(new Case(page[0], HttpMethod.GET, page[1], 304).header("if-none-match", "$etag"));
        }
        c.add(new Case("staticFile", HttpMethod.GET, "/static/swagger-ui.css", 200));
        c.add(new Case("staticFile", HttpMethod.GET, "/static/swagger-ui-LICENSE.txt", 200));
        c.add(new Case("staticFile", HttpMethod.GET, "/static/favicon.png", 200));
        c.add(new Case("staticFile", HttpMethod.GET, "/static/nope.js", 404));
        return c;
    }

    private static HttpResponse<Buffer> send(Case c) {
        ServerHarness h = c.noModel() ? empty : serving;
        var req = h.client.request(c.method(), h.server.port(), "127.0.0.1", c.path());
        for (Map.Entry<String, String> e : c.headers().entrySet()) {
            String value = e.getValue().equals("$etag") ? h.get(c.path()).getHeader("etag") : e.getValue();
            req.putHeader(e.getKey(), value);
        }
        return ServerHarness.await(c.body() == null ? req.send() : req.sendBuffer(Buffer.buffer(c.body())));
    }

    /** Null when {@code r} is a documented answer of {@code operationId}, else what is wrong. */
    private static String validate(String operationId, HttpResponse<Buffer> r) {
        String contentType = r.getHeader("content-type");
        String mime = contentType == null ? null : contentType.split(";", 2)[0].trim();
        JsonObject documented = documentedResponse(operationId, r.statusCode());
        if (documented == null) return "status " + r.statusCode() + " is not documented";
        JsonObject content = documented.getJsonObject("content");
        if (r.statusCode() == 304) return content == null && r.body() == null ? null : "a 304 has no body";
        if (content == null || !content.containsKey(mime)) return "content type " + contentType + " is not documented";
        if (!mime.equals("application/json")) return r.body() != null && r.body().length() > 0 ? null : "empty body";
        Map<String, String> headers = new LinkedHashMap<>();
        MultiMap h = r.headers();
        for (String name : h.names()) headers.put(name, h.get(name));
        try {
            ServerHarness.await(validator.validate(ValidatableResponse.create(r.statusCode(), headers, r.body(), "application/json"), operationId));
            return null;
        } catch (AssertionError e) {
            return "does not validate: " + e.getMessage() + " body " + shorten(r.bodyAsString());
        }
    }

    private static JsonObject documentedResponse(String operationId, int status) {
        for (Map.Entry<String, JsonObject> op : operations().entrySet()) {
            if (!op.getKey().equals(operationId)) continue;
            JsonObject response = op.getValue().getJsonObject("responses").getJsonObject(String.valueOf(status));
            return response == null ? null : resolve(response);
        }
        return null;
    }

    /** {@code "operationId status"} of every response the document lists. */
    private static Set<String> documentedResponses() {
        Set<String> out = new TreeSet<>();
        operations().forEach((id, op) -> op.getJsonObject("responses").fieldNames().forEach(status -> out.add(id + " " + status)));
        return out;
    }

    private static Map<String, JsonObject> operations() {
        Map<String, JsonObject> out = new LinkedHashMap<>();
        JsonObject paths = document.getJsonObject("paths");
        for (String path : paths.fieldNames()) {
            JsonObject item = paths.getJsonObject(path);
            for (String method : item.fieldNames()) {
                if (!method.equals("parameters")) out.put(item.getJsonObject(method).getString("operationId"), item.getJsonObject(method));
            }
        }
        return out;
    }

    private static JsonObject resolve(JsonObject maybeRef) {
        String ref = maybeRef.getString("$ref");
        if (ref == null) return maybeRef;
        JsonObject node = document;
        for (String part : ref.substring(2).split("/")) node = node.getJsonObject(part);
        return node;
    }

    /**
     * The document as Vert.x's validator reads it: its media types are JSON, multipart and a few
     * others, so the pages' and assets' non-JSON contents (checked above by type) are left out.
     */
    private static JsonObject validatable(JsonObject doc) {
        JsonObject copy = doc.copy();
        stripNonJson(copy);
        return copy;
    }

    private static void stripNonJson(Object node) {
        if (node instanceof JsonObject o) {
            JsonObject content = o.getJsonObject("content");
            if (content != null) {
                for (String type : new ArrayList<>(content.fieldNames())) if (!type.equals("application/json")) content.remove(type);
                if (content.isEmpty()) o.remove("content");
            }
            for (String k : o.fieldNames()) stripNonJson(o.getValue(k));
        } else if (node instanceof io.vertx.core.json.JsonArray a) {
            for (Object v : a) stripNonJson(v);
        }
    }

    private static String shorten(String s) {
        return s == null ? "" : s.length() > 300 ? s.substring(0, 300) + "…" : s;
    }
}
