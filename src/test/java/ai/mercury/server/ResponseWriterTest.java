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
}
