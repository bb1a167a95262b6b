package ai.mercury.server;

import ai.mercury.bundle.CatalogItem;
import ai.mercury.model.Recommendation;
import ai.mercury.model.Recommendation.ScoredItem;
import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.vertx.core.buffer.Buffer;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

/** Streams response bodies straight to bytes with Jackson's generator (no intermediate tree). */
final class ResponseWriter {
    private static final JsonFactory JSON = new JsonFactory();

    private ResponseWriter() {}

    static Buffer recommendation(Recommendation r, double tookMs) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(256 + r.items().size() * 120);
        try (JsonGenerator g = JSON.createGenerator(out, JsonEncoding.UTF8)) {
            g.writeStartObject();
            g.writeStringField("model_version", r.modelVersion());
            g.writeNumberField("took_ms", Math.round(tookMs * 1000) / 1000.0);
            g.writeArrayFieldStart("items");
            for (ScoredItem s : r.items()) {
                CatalogItem item = s.item();
                g.writeStartObject();
                g.writeStringField("item_id", item.itemId());
                g.writeNumberField("score", s.score());
                g.writeStringField("title", item.title());
                g.writeNumberField("price", item.price());
                if (item.category() != null) g.writeStringField("category", item.category());
                g.writeBooleanField("in_stock", item.inStock());
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeArrayFieldStart("unknown_history");
            for (String id : r.unknownHistory()) g.writeString(id);
            g.writeEndArray();
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return Buffer.buffer(out.toByteArray());
    }

    static Buffer error(String code, String message) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(64 + message.length());
        try (JsonGenerator g = JSON.createGenerator(out, JsonEncoding.UTF8)) {
            g.writeStartObject();
            g.writeStringField("error", code);
            g.writeStringField("message", message);
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return Buffer.buffer(out.toByteArray());
    }
}
