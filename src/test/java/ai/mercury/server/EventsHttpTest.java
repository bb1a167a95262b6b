package ai.mercury.server;

import ai.mercury.events.Event;
import ai.mercury.events.EventLogReader;
import ai.mercury.testing.FixtureBundle;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** POST /events, /recommend by session and user id, forget, attribution and the log, over HTTP against a real server. */
class EventsHttpTest {
    static final String TOKEN = "events-test-admin";
    static final List<String> IDS = FixtureBundle.ITEMS.stream().map(i -> i.itemId()).toList();

    static ServerHarness start(Path artifacts, Path events, Map<String, Object> extra) {
        FixtureBundle.copyTo(artifacts);
        Map<String, Object> config = new java.util.HashMap<>(Map.of("admin.token", TOKEN, "events.dir", events.toString(), "events.flush_ms", 50));
        config.putAll(extra);
        ServerHarness h = new ServerHarness(artifacts, config);
        assertTrue(h.awaitInitialLoad());
        return h;
    }

    static JsonObject event(String type, String session, String item) {
        return new JsonObject().put("event_type", type).put("session_id", session).put("item_id", item);
    }

    static HttpResponse<Buffer> postEvents(ServerHarness h, String path, Object body) {
        return h.post(path, "application/json", body.toString());
    }

    static JsonObject ok(HttpResponse<Buffer> r) {
        assertEquals(200, r.statusCode(), r.bodyAsString());
        return r.bodyAsJsonObject();
    }

    static List<String> ranked(JsonObject answer) {
        List<String> out = new ArrayList<>();
        for (Object o : answer.getJsonArray("items")) out.add(((JsonObject) o).getString("item_id"));
        return out;
    }

    static JsonObject recommend(ServerHarness h, JsonObject body) {
        return ok(h.recommend(body.put("k", 12).put("context", new JsonObject().put("country", "France").put("timestamp", "2011-11-04T09:30:00Z"))));
    }

    @Test
    void eventsBecomeTheHistoryOfTheSessionAndRankExactlyAsTheExplicitHistory(@TempDir Path artifacts, @TempDir Path events) {
        try (ServerHarness h = start(artifacts, events, Map.of())) {
            JsonObject one = ok(postEvents(h, "/events", event("view", "s1", "A001")));
            assertEquals(1, one.getInteger("accepted"));
            assertEquals(0, one.getJsonArray("rejected").size());
            JsonObject batch = ok(postEvents(h, "/events?sync=true", new JsonObject().put("events", new JsonArray()
                    .add(event("click", "s1", "B003")).add(event("view", "s1", "A001")).add(event("add_to_cart", "s1", "C001")))));
            assertEquals(3, batch.getInteger("accepted"));

            JsonObject bySession = recommend(h, new JsonObject().put("session_id", "s1"));
            assertEquals(new JsonObject().put("count", 3).put("source", "session"), bySession.getJsonObject("history_used"));
            // newest first, deduplicated: C001, A001, B003
            JsonObject explicit = recommend(h, new JsonObject().put("history", new JsonArray(List.of("C001", "A001", "B003"))));
            assertEquals(ranked(explicit), ranked(bySession));
            assertEquals(explicit.getJsonArray("items"), bySession.getJsonArray("items"), "same scores too");
            assertEquals("request", explicit.getJsonObject("history_used").getString("source"));
            JsonObject nothing = recommend(h, new JsonObject());
            assertNotEquals(ranked(nothing), ranked(bySession), "the session history changes the ranking");
            assertEquals(new JsonObject().put("count", 0).put("source", "none"), nothing.getJsonObject("history_used"));

            // explicit history comes first, stored items follow without repeats
            JsonObject both = recommend(h, new JsonObject().put("session_id", "s1").put("history", new JsonArray(List.of("B004", "A001"))));
            assertEquals(new JsonObject().put("count", 4).put("source", "request+session"), both.getJsonObject("history_used"));
            assertEquals(ranked(recommend(h, new JsonObject().put("history", new JsonArray(List.of("B004", "A001", "C001", "B003"))))), ranked(both));

            // an unknown session is no history, not an error
            assertEquals("none", recommend(h, new JsonObject().put("session_id", "nobody")).getJsonObject("history_used").getString("source"));
            assertEquals(List.of(), h.blockedEventLoops);
        }
    }

    @Test
    void parityOnRandomHistories(@TempDir Path artifacts, @TempDir Path events) {
        Random random = new Random(17);
        try (ServerHarness h = start(artifacts, events, Map.of())) {
            for (int q = 0; q < 30; q++) {
                String session = "p" + q;
                int n = 1 + random.nextInt(8);
                JsonArray batch = new JsonArray();
                List<String> sent = new ArrayList<>();
                for (int i = 0; i < n; i++) {
                    String item = IDS.get(random.nextInt(IDS.size()));
                    sent.add(item);
                    batch.add(event(i % 2 == 0 ? "view" : "click", session, item));
                }
                ok(postEvents(h, "/events", new JsonObject().put("events", batch)));
                List<String> expected = new ArrayList<>();
                for (int i = sent.size() - 1; i >= 0; i--) if (!expected.contains(sent.get(i))) expected.add(sent.get(i));
                JsonObject bySession = recommend(h, new JsonObject().put("session_id", session));
                JsonObject explicit = recommend(h, new JsonObject().put("history", new JsonArray(expected)));
                assertEquals(explicit.getJsonArray("items"), bySession.getJsonArray("items"), "query " + q + " history " + expected);
                assertEquals(expected.size(), bySession.getJsonObject("history_used").getInteger("count"));
            }
        }
    }

    @Test
    void badInputIsRefusedNamingTheFieldAndIndexAndGoodEventsOfTheBatchStay(@TempDir Path artifacts, @TempDir Path events) {
        try (ServerHarness h = start(artifacts, events, Map.of("events.max_batch", 5, "events.max_body_bytes", 2048))) {
            JsonArray batch = new JsonArray()
                    .add(event("view", "s2", "A002"))
                    .add(event("teleport", "s2", "A002"))
                    .add(new JsonObject().put("event_type", "view").put("item_id", "A002"))
                    .add(event("view", "s2", "A002").put("timestamp", Instant.now().plusSeconds(3600).toString()))
                    .add(event("view", "s2", "A003").put("session_id", 42));
            JsonObject r = ok(postEvents(h, "/events", new JsonObject().put("events", batch)));
            assertEquals(1, r.getInteger("accepted"));
            JsonArray rejected = r.getJsonArray("rejected");
            assertEquals(4, rejected.size());
            assertEquals(1, rejected.getJsonObject(0).getInteger("index"));
            assertTrue(rejected.getJsonObject(0).getString("message").startsWith("events[1].event_type"), rejected.encode());
            assertTrue(rejected.getJsonObject(1).getString("message").startsWith("events[2].session_id"), rejected.encode());
            assertTrue(rejected.getJsonObject(2).getString("message").startsWith("events[3].timestamp"), rejected.encode());
            assertTrue(rejected.getJsonObject(3).getString("message").startsWith("events[4].session_id: must be a string"), rejected.encode());

            assertError(postEvents(h, "/events", event("view", "s2", "bad id!")), 400, "bad_request", "item_id");
            assertError(postEvents(h, "/events", event("view", "s2", "A001").put("timestamp", "yesterday")), 400, "bad_request", "timestamp");
            assertError(postEvents(h, "/events", event("view", "s2", "A001").put("timestamp", "1999-01-01T00:00:00Z")), 400, "bad_request", "max_age_days");
            assertError(postEvents(h, "/events", event("view", "x".repeat(129), "A001")), 400, "bad_request", "session_id");
            assertError(postEvents(h, "/events", event("view", "s2", "A001").put("extra", 1)), 400, "bad_request", "unknown field");
            assertError(postEvents(h, "/events", new JsonObject().put("events", new JsonArray().add(1).add("x"))), 400, "bad_request", "events[0]");
            JsonArray six = new JsonArray();
            for (int i = 0; i < 6; i++) six.add(event("view", "s2", "A001"));
            assertError(postEvents(h, "/events", new JsonObject().put("events", six)), 413, "batch_too_large", "events.max_batch");
            // the body limit quoted is the events route's own, not http.max_body_bytes
            assertError(h.post("/events", "application/json", "{\"events\": [\"" + "x".repeat(3000) + "\"]}"), 413, "payload_too_large", "2048 bytes");
            assertError(postEvents(h, "/events", new JsonObject().put("events", new JsonArray())), 400, "bad_request", "empty");
            assertError(postEvents(h, "/events", new JsonObject().put("events", "x")), 400, "bad_request", "array");
            assertError(h.post("/events", "application/json", "{not json"), 400, "invalid_json", "");
            assertError(h.post("/events", "application/json", "[1,2]"), 400, "invalid_json", "");
            assertError(h.post("/events", "text/plain", "{}"), 415, "unsupported_media_type", "");
            assertError(postEvents(h, "/events?sync=maybe", event("view", "s2", "A001")), 400, "bad_request", "sync");
            assertError(h.recommend(new JsonObject().put("filters", new JsonObject().put("exclude_seen", "yes"))), 400, "bad_request", "exclude_seen");
            // only the one good event of the first batch reached the session
            assertEquals(1, recommend(h, new JsonObject().put("session_id", "s2")).getJsonObject("history_used").getInteger("count"));
        }
    }

    static void assertError(HttpResponse<Buffer> r, int status, String code, String inMessage) {
        assertEquals(status, r.statusCode(), r.bodyAsString());
        JsonObject body = r.bodyAsJsonObject();
        assertEquals(code, body.getString("error"), r.bodyAsString());
        assertTrue(body.getString("message").contains(inMessage), r.bodyAsString());
    }

    @Test
    void unknownItemsAreLoggedButEnterTheHistoryOnlyOnceTheItemExists(@TempDir Path artifacts, @TempDir Path events) {
        try (ServerHarness h = start(artifacts, events, Map.of())) {
            ok(postEvents(h, "/events?sync=true", new JsonObject().put("events", new JsonArray()
                    .add(event("view", "s3", "A004")).add(event("view", "s3", "NEW-1")))));
            JsonObject before = recommend(h, new JsonObject().put("session_id", "s3"));
            assertEquals(1, before.getJsonObject("history_used").getInteger("count"));
            assertEquals(List.of(), before.getJsonArray("unknown_history").getList());
            assertTrue(EventLogReader.liveEvents(events).stream().anyMatch(e -> e.itemId().equals("NEW-1")), "the unknown item is in the log");
            assertEquals(201, h.send(HttpMethod.PUT, "/items/NEW-1", TOKEN, new JsonObject().put("title", "Brand new lantern").put("price", 3.0).encode()).statusCode());
            JsonObject after = recommend(h, new JsonObject().put("session_id", "s3"));
            assertEquals(2, after.getJsonObject("history_used").getInteger("count"));
            assertEquals(ranked(recommend(h, new JsonObject().put("history", new JsonArray(List.of("NEW-1", "A004"))))), ranked(after));
        }
    }

    @Test
    void excludeFiltersUserLinkingAndDeviceFromUserAgent(@TempDir Path artifacts, @TempDir Path events) {
        try (ServerHarness h = start(artifacts, events, Map.of())) {
            ok(postEvents(h, "/events", new JsonObject().put("events", new JsonArray()
                    .add(event("view", "s4", "A001").put("user_id", "u4"))
                    .add(event("purchase", "s4", "B001").put("user_id", "u4")))));
            ok(postEvents(h, "/events?sync=true", event("view", "s5", "C002").put("user_id", "u4")));
            List<String> seenOff = ranked(recommend(h, new JsonObject().put("session_id", "s4")));
            List<String> noSeen = ranked(recommend(h, new JsonObject().put("session_id", "s4").put("filters", new JsonObject().put("exclude_seen", true))));
            assertEquals(10, noSeen.size());
            assertFalse(noSeen.contains("A001") || noSeen.contains("B001"));
            List<String> noBought = ranked(recommend(h, new JsonObject().put("session_id", "s4").put("filters", new JsonObject().put("exclude_purchased", true))));
            assertEquals(11, noBought.size());
            assertFalse(noBought.contains("B001"));
            assertEquals(12, seenOff.size());

            // the user links both sessions: newest first across them
            JsonObject byUser = recommend(h, new JsonObject().put("user_id", "u4"));
            assertEquals(new JsonObject().put("count", 3).put("source", "user"), byUser.getJsonObject("history_used"));
            assertEquals(ranked(recommend(h, new JsonObject().put("history", new JsonArray(List.of("C002", "B001", "A001"))))), ranked(byUser));

            // device from the User-Agent when the event has none; the event's own device wins
            var req = h.client.post(h.server.port(), "127.0.0.1", "/events?sync=true").putHeader("content-type", "application/json")
                    .putHeader("user-agent", "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Mobile/15E148");
            assertEquals(200, ServerHarness.await(req.sendBuffer(Buffer.buffer(new JsonObject().put("events", new JsonArray()
                    .add(event("view", "s6", "A001")).add(event("view", "s6", "A002").put("context", new JsonObject().put("device", "desktop")))).encode()))).statusCode());
            List<Event> logged = EventLogReader.liveEvents(events).stream().filter(e -> "s6".equals(e.sessionId())).toList();
            assertEquals("mobile", logged.get(0).context().get("device"));
            assertEquals("desktop", logged.get(1).context().get("device"));
        }
    }

    @Test
    void recommendationIdsAreUniqueAndAttributeEventsToTheModelVersion(@TempDir Path artifacts, @TempDir Path events) {
        try (ServerHarness h = start(artifacts, events, Map.of())) {
            Set<String> ids = new HashSet<>();
            for (int i = 0; i < 50; i++) ids.add(recommend(h, new JsonObject()).getString("recommendation_id"));
            assertEquals(50, ids.size());
            String id = ids.iterator().next();
            assertTrue(id.startsWith(FixtureBundle.VERSION + "~"), id);
            ok(postEvents(h, "/events?sync=true", new JsonObject().put("events", new JsonArray()
                    .add(event("click", "s7", "A001").put("recommendation_id", id))
                    .add(event("click", "s7", "A002").put("recommendation_id", "made-up"))
                    .add(event("view", "s7", "A003")))));
            assertEquals(2.0, h.metric("mercury_events_total{type=\"click\"}"));
            assertEquals(1.0, h.metric("mercury_attributed_events_total{model_version=\"" + FixtureBundle.VERSION + "\",type=\"click\"}"));
            assertEquals(1.0, h.metric("mercury_attributed_events_total{model_version=\"unknown\",type=\"click\"}"));
            assertEquals(FixtureBundle.VERSION, EventLogReader.liveEvents(events).get(0).modelVersion());
            assertTrue(h.metric("mercury_recommendations_total{model_version=\"" + FixtureBundle.VERSION + "\"}") >= 50);
            assertEquals(0.0, h.metric("mercury_events_shed_total"), "exported, and nothing shed at this rate");
        }
    }

    @Test
    void countryComesFromTheConfiguredHeaderWhenTheBodyHasNone(@TempDir Path artifacts, @TempDir Path events) {
        try (ServerHarness h = start(artifacts, events, Map.of("events.country_header", "CF-IPCountry"))) {
            JsonObject bodyOf = new JsonObject().put("events", new JsonArray().add(event("view", "s9", "A001"))
                    .add(event("view", "s9", "A002").put("context", new JsonObject().put("country", "Germany"))));
            var req = h.client.post(h.server.port(), "127.0.0.1", "/events?sync=true").putHeader("content-type", "application/json")
                    .putHeader("cf-ipcountry", "France");
            assertEquals(200, ServerHarness.await(req.sendBuffer(Buffer.buffer(bodyOf.encode()))).statusCode());
            List<Event> logged = EventLogReader.liveEvents(events);
            assertEquals("France", logged.get(0).context().get("country"));
            assertEquals("Germany", logged.get(1).context().get("country"), "the body wins");
            assertEquals(null, logged.get(0).context().get("device"), "Vert.x's client is not a browser: no device");
            // /recommend: the header's country ranks as the same country in the body
            JsonObject viaHeader = ok(ServerHarness.await(h.client.post(h.server.port(), "127.0.0.1", "/recommend")
                    .putHeader("content-type", "application/json").putHeader("cf-ipcountry", "Germany")
                    .sendBuffer(Buffer.buffer(new JsonObject().put("k", 12).put("context", new JsonObject().put("timestamp", "2011-11-04T09:30:00Z")).encode()))));
            JsonObject viaBody = ok(h.recommend(new JsonObject().put("k", 12).put("context", new JsonObject().put("country", "Germany").put("timestamp", "2011-11-04T09:30:00Z"))));
            assertEquals(viaBody.getJsonArray("items"), viaHeader.getJsonArray("items"));
        }
    }

    @Test
    void eventsTokenGuardsPostEvents(@TempDir Path artifacts, @TempDir Path events) {
        try (ServerHarness h = start(artifacts, events, Map.of("events.token", "browser-key"))) {
            assertError(postEvents(h, "/events", event("view", "s8", "A001")), 401, "unauthorized", "events.token");
            assertError(h.send(HttpMethod.POST, "/events", TOKEN, event("view", "s8", "A001").encode()), 401, "unauthorized", "");
            assertEquals(200, h.send(HttpMethod.POST, "/events", "browser-key", event("view", "s8", "A001").encode()).statusCode());
        }
    }

    @Test
    void forgetDropsStateWritesTombstonesAndRestartRebuildsTheRest(@TempDir Path artifacts, @TempDir Path events) throws Exception {
        try (ServerHarness h = start(artifacts, events, Map.of())) {
            ok(postEvents(h, "/events?sync=true", new JsonObject().put("events", new JsonArray()
                    .add(event("view", "keep", "A001")).add(event("click", "keep", "B002"))
                    .add(event("view", "gone", "A003"))
                    .add(event("view", "su", "C003").put("user_id", "forget-me")))));
            assertEquals(401, h.admin(HttpMethod.DELETE, "/sessions/gone", null).statusCode());
            JsonObject r = ok(h.admin(HttpMethod.DELETE, "/sessions/gone"));
            assertEquals(true, r.getBoolean("was_held"));
            assertEquals(false, ok(h.admin(HttpMethod.DELETE, "/sessions/never-seen")).getBoolean("was_held"));
            ok(h.admin(HttpMethod.DELETE, "/users/forget-me"));
            assertEquals(404, h.admin(HttpMethod.GET, "/sessions/gone").statusCode());
            assertEquals(404, h.admin(HttpMethod.GET, "/sessions/su").statusCode(), "a forgotten user's sessions go too");
            assertEquals(2, ok(h.admin(HttpMethod.GET, "/sessions/keep")).getJsonArray("events").size());
            // a new event after the tombstone is a new start
            ok(postEvents(h, "/events?sync=true", event("view", "gone", "C004")));
        }
        List<Event> training = EventLogReader.liveEvents(events);
        assertEquals(List.of("A001", "B002", "C004"), training.stream().map(Event::itemId).toList(), "tombstones are honoured by readers");
        try (ServerHarness h = start(artifacts, events, Map.of())) {
            assertEquals(List.of("B002", "A001"), ok(h.admin(HttpMethod.GET, "/sessions/keep")).getJsonArray("events").stream()
                    .map(o -> ((JsonObject) o).getString("item_id")).toList());
            assertEquals(1, ok(h.admin(HttpMethod.GET, "/sessions/gone")).getJsonArray("events").size());
            assertEquals(404, h.admin(HttpMethod.GET, "/sessions/su").statusCode());
            assertEquals("none", recommend(h, new JsonObject().put("user_id", "forget-me")).getJsonObject("history_used").getString("source"));
            assertTrue(Files.list(events).anyMatch(p -> p.getFileName().toString().endsWith(".jsonl")));
        }
    }
}
