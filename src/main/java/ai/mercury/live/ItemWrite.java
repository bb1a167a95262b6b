package ai.mercury.live;

import ai.mercury.core.CatalogItem;
import ai.mercury.core.Json;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.Objects;

/**
 * One acknowledged write to the live catalog, as the journal stores it: an upsert carries the
 * whole item, a delete only the id. {@code seq} increases by one per write, across restarts.
 */
public record ItemWrite(long seq, Instant at, Op op, String itemId, CatalogItem item) {

    public enum Op { UPSERT, DELETE }

    public ItemWrite {
        Objects.requireNonNull(at, "at");
        Objects.requireNonNull(op, "op");
        Objects.requireNonNull(itemId, "itemId");
        if ((op == Op.UPSERT) != (item != null)) throw new IllegalArgumentException(op + " of " + itemId + ": an upsert needs its item, a delete none");
        if (item != null && !item.itemId().equals(itemId)) throw new IllegalArgumentException("item id " + item.itemId() + " under " + itemId);
    }

    static ItemWrite upsert(long seq, Instant at, CatalogItem item) {
        return new ItemWrite(seq, at, Op.UPSERT, item.itemId(), item);
    }

    static ItemWrite delete(long seq, Instant at, String itemId) {
        return new ItemWrite(seq, at, Op.DELETE, itemId, null);
    }

    /** The same write at {@code seq} (a shared log assigns the sequence when it takes the write). */
    public ItemWrite withSeq(long seq) {
        return new ItemWrite(seq, at, op, itemId, item);
    }

    /** The journal payload, also the value of a Kafka record: one JSON object, UTF-8. */
    public byte[] toBytes() {
        ObjectNode node = Json.MAPPER.createObjectNode();
        node.put("seq", seq).put("at", at.toString()).put("op", op.name().toLowerCase(java.util.Locale.ROOT)).put("item_id", itemId);
        if (item != null) node.set("item", item.toJson());
        try {
            return Json.MAPPER.writeValueAsBytes(node);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Parses a payload written by {@link #toBytes()}; IllegalArgumentException when it is not one. */
    public static ItemWrite fromBytes(byte[] payload) {
        JsonNode node;
        try {
            node = Json.MAPPER.readTree(payload);
        } catch (IOException e) {
            throw new IllegalArgumentException("not JSON: " + e.getMessage(), e);
        }
        if (node == null || !node.isObject() || !node.path("seq").canConvertToLong() || !node.path("op").isTextual()
                || !node.path("item_id").isTextual() || !node.path("at").isTextual()) {
            throw new IllegalArgumentException("not a journal record");
        }
        Op op;
        try {
            op = Op.valueOf(node.get("op").asText().toUpperCase(java.util.Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown op " + node.get("op").asText());
        }
        if (op == Op.UPSERT && !node.path("item").isObject()) throw new IllegalArgumentException("an upsert without its item");
        CatalogItem item = op == Op.UPSERT ? CatalogItem.fromJson(node.get("item")) : null;
        return new ItemWrite(node.get("seq").asLong(), Instant.parse(node.get("at").asText()), op, node.get("item_id").asText(), item);
    }
}
