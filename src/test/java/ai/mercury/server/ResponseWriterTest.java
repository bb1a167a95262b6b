package ai.mercury.server;

import ai.mercury.core.CatalogItem;
import ai.mercury.core.Json;
import ai.mercury.model.Recommendation;
import ai.mercury.model.Recommendation.ScoredItem;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The hand-written answer JSON against Jackson's generator: same bytes for the same answer. */
class ResponseWriterTest {
    static String jackson(Recommendation r, double tookMs) throws Exception {
        ObjectNode root = Json.MAPPER.createObjectNode();
        root.put("model_version", r.modelVersion()).put("took_ms", Math.round(tookMs * 1000) / 1000.0);
        var items = root.putArray("items");
        for (ScoredItem s : r.items()) {
            ObjectNode o = items.addObject().put("item_id", s.item().itemId()).put("score", s.score())
                    .put("title", s.item().title()).put("price", s.item().price());
            if (s.item().category() != null) o.put("category", s.item().category());
            o.put("in_stock", s.item().inStock());
        }
        var unknown = root.putArray("unknown_history");
        r.unknownHistory().forEach(unknown::add);
        return Json.MAPPER.writer().without(com.fasterxml.jackson.databind.SerializationFeature.INDENT_OUTPUT).writeValueAsString(root);
    }

    @Test
    void recommendation_awkwardStringsAndNumbers_sameJsonAsJackson() throws Exception {
        Random rnd = new Random(5);
        List<ScoredItem> items = new ArrayList<>();
        String[] titles = {"plain", "quote \" and backslash \\", "tab\tnew\nline\u0001", "café ☕ 𝄞", "slash / ok", "del \u007f"};
        double[] prices = {0, 0.01, 0.5, 1.65, 2.08, 12.75, 3.0, 1e7, 12345678.9, 0.001, 4.999, 1.0E-5, 100.1};
        for (int i = 0; i < 60; i++) {
            float score = (float) (rnd.nextGaussian() * (i % 3 == 0 ? 1e-4 : 1));
            items.add(new ScoredItem(new CatalogItem("id-" + i + (i % 7 == 0 ? "\"x" : ""), titles[i % titles.length], prices[i % prices.length],
                    i % 2 == 0 ? null : "cat é", i % 5 != 0, null), score));
        }
        Recommendation r = new Recommendation("20261126T102651Z", items, List.of("gone", "weird\"id"), 0, 0, 0, "exact");
        String ours = new String(ResponseWriter.recommendation(r, 1.2345678).getBytes(), StandardCharsets.UTF_8);
        JsonNode parsed = Json.MAPPER.readTree(ours);
        assertEquals(Json.MAPPER.readTree(jackson(r, 1.2345678)), parsed);
        // and every number reads back as the very float/double that was written
        for (int i = 0; i < items.size(); i++) {
            assertEquals(items.get(i).score(), parsed.get("items").get(i).get("score").floatValue());
            assertEquals(items.get(i).item().price(), parsed.get("items").get(i).get("price").doubleValue());
        }
        assertEquals(jackson(r, 1.2345678).replaceAll("\"score\":[^,]+,", "").replaceAll("\"price\":[^,]+,", ""),
                ours.replaceAll("\"score\":[^,]+,", "").replaceAll("\"price\":[^,]+,", ""), "byte-identical apart from number spelling");
    }

    @Test
    void tookMs_spellsTheRoundedValueAsDoubleToStringDoes_orShorter() {
        Random rnd = new Random(11);
        for (int i = 0; i < 400_000; i++) {
            double ms = i < 200_000 ? i / 1000.0 : i < 300_000 ? rnd.nextDouble() * 100 : Math.pow(10, rnd.nextDouble() * 7.1) - 1;
            double rounded = Math.round(ms * 1000) / 1000.0;
            String ours = new String(ResponseWriter.millis(ms), StandardCharsets.US_ASCII);
            String java = Double.toString(rounded);
            if (!ours.equals(java)) {
                // JDK 17's Double.toString is not always the shortest spelling (JDK-4511638: 2.0E-3 as "0.0020"); ours must then
                // be the same number, shorter.
                assertEquals(rounded, Double.parseDouble(ours), ms + ": " + ours + " against " + java);
                assertTrue(ours.length() < java.length() && !java.contains("E"), ms + ": " + ours + " against " + java);
            }
            assertTrue(ours.matches("\\d+\\.\\d{1,3}") || rounded >= 1e7, ours);
        }
        for (double odd : new double[] {Double.NaN, -1.5, 1e7, 1e12, Double.POSITIVE_INFINITY}) {
            assertEquals(Double.toString(Math.round(odd * 1000) / 1000.0), new String(ResponseWriter.millis(odd), StandardCharsets.US_ASCII));
        }
    }

    /** Issue 15: a lone surrogate (old journal, bundle, echoed id) made Jackson throw mid-response and the request hang. */
    @Test
    void loneSurrogates_becomeReplacementCharacters_inEveryBody() throws Exception {
        CatalogItem bad = new CatalogItem("X1", "cake stand \ud800", 2.5, "cat\udc00");
        Recommendation r = new Recommendation("v1", List.of(new ScoredItem(bad, 0.5f)), List.of("\ud800", "ok"), 0, 0, 0, "exact");
        byte[] body = ResponseWriter.recommendation(r, 1.0).getBytes();
        StandardCharsets.UTF_8.newDecoder().decode(java.nio.ByteBuffer.wrap(body)); // valid UTF-8
        JsonNode json = Json.MAPPER.readTree(body);
        assertEquals("cake stand \uFFFD", json.at("/items/0/title").asText());
        assertEquals("cat\uFFFD", json.at("/items/0/category").asText());
        assertEquals("\uFFFD", json.at("/unknown_history/0").asText());

        JsonNode error = Json.MAPPER.readTree(ResponseWriter.error("bad_request", "id \ud800 is wrong").getBytes());
        assertEquals("id \uFFFD is wrong", error.get("message").asText());

        io.vertx.core.json.JsonObject o = new io.vertx.core.json.JsonObject().put("t\udfff", "a\ud800").put("n", 3).put("d", 1.5)
                .put("nan", Double.NaN).put("list", new io.vertx.core.json.JsonArray().add("\ud800").add(true).addNull())
                .put("obj", new io.vertx.core.json.JsonObject().put("x", 12345678901L));
        JsonNode written = Json.MAPPER.readTree(ResponseWriter.json(o).getBytes());
        assertEquals("a\uFFFD", written.get("t\uFFFD").asText());
        assertEquals(3, written.get("n").asInt());
        assertEquals(1.5, written.get("d").asDouble());
        assertTrue(written.get("nan").isNull(), "NaN is not JSON");
        assertEquals("[\"\uFFFD\",true,null]", written.get("list").toString());
        assertEquals(12345678901L, written.at("/obj/x").asLong());
    }
}
