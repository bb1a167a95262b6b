package ai.mercury.core;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.Iterator;
import java.util.Map;
import java.util.Objects;

/**
 * One product, a line of {@code items.jsonl}. Keys other than the known ones are kept in
 * {@code extra} and written back unchanged.
 */
public record CatalogItem(String itemId, String title, double price, String category, boolean inStock, ObjectNode extra) {

    public CatalogItem {
        Objects.requireNonNull(itemId, "item_id");
        Objects.requireNonNull(title, "title");
        if (itemId.isEmpty()) throw new IllegalArgumentException("item_id is empty");
        if (!Double.isFinite(price) || price < 0) throw new IllegalArgumentException("item " + itemId + ": price must be finite and >= 0, got " + price);
        if (extra == null) extra = Json.MAPPER.createObjectNode();
    }

    public CatalogItem(String itemId, String title, double price, String category) {
        this(itemId, title, price, category, true, null);
    }

    /** Parses one items.jsonl line; IllegalArgumentException says which key is wrong. */
    public static CatalogItem fromJson(JsonNode node) {
        if (node == null || !node.isObject()) throw new IllegalArgumentException("not a JSON object");
        JsonNode id = node.get("item_id");
        JsonNode title = node.get("title");
        JsonNode price = node.get("price");
        if (id == null || !id.isTextual()) throw new IllegalArgumentException("item_id must be a string");
        if (title == null || !title.isTextual()) throw new IllegalArgumentException("item " + id.asText() + ": title must be a string");
        if (price == null || !price.isNumber()) throw new IllegalArgumentException("item " + id.asText() + ": price must be a number");
        JsonNode category = node.get("category");
        JsonNode inStock = node.get("in_stock");
        // Json.wellFormed: a lone surrogate stored before requests were validated (an old journal) must not reach the text encoders
        return new CatalogItem(id.asText(), Json.wellFormed(title.asText()), price.asDouble(),
                category == null || category.isNull() ? null : Json.wellFormed(category.asText()),
                inStock == null || inStock.isNull() || inStock.asBoolean(true), extraFields(node));
    }

    /** The keys of an item object other than the known ones (kept with the item and written back). */
    public static ObjectNode extraFields(JsonNode node) {
        ObjectNode extra = Json.MAPPER.createObjectNode();
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            switch (e.getKey()) {
                case "item_id", "title", "price", "category", "in_stock" -> { }
                default -> extra.set(e.getKey(), e.getValue());
            }
        }
        return extra;
    }

    public ObjectNode toJson() {
        ObjectNode node = Json.MAPPER.createObjectNode();
        node.put("item_id", itemId).put("title", title).put("price", price);
        if (category != null) node.put("category", category);
        node.put("in_stock", inStock);
        node.setAll(extra);
        return node;
    }
}
