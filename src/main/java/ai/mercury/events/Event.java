package ai.mercury.events;

import com.fasterxml.jackson.core.JsonGenerator;

import java.io.IOException;
import java.util.Map;
import java.util.Objects;

/**
 * One accepted visitor event, as stored in the log and the session store. Immutable.
 *
 * @param type             event type ({@code view}, {@code click}, {@code add_to_cart}, {@code purchase} or a configured one)
 * @param sessionId        the visitor's session (may be null when {@code userId} is given)
 * @param userId           the visitor's account, or null
 * @param itemId           the item the event is about
 * @param timestampMs      when it happened (epoch milliseconds; the server clock when the client sent none)
 * @param receivedMs       when the server accepted it (epoch milliseconds): the log's time axis
 * @param context          context values as in {@code /recommend} (country, device, …), never null
 * @param recommendationId the {@code recommendation_id} of the answer that showed the item, or null
 * @param modelVersion     the model version that id names, when it names one this server knows; else null
 */
public record Event(String type, String sessionId, String userId, String itemId, long timestampMs, long receivedMs,
                    Map<String, String> context, String recommendationId, String modelVersion) {
    public Event {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(itemId, "itemId");
        if (sessionId == null && userId == null) throw new IllegalArgumentException("an event needs a session id or a user id");
        context = Map.copyOf(context);
    }

    /** Writes this event as one JSON object (the log's record; see docs/events.md for the fields). */
    void write(JsonGenerator g) throws IOException {
        g.writeStartObject();
        g.writeStringField("event_type", type);
        if (sessionId != null) g.writeStringField("session_id", sessionId);
        if (userId != null) g.writeStringField("user_id", userId);
        g.writeStringField("item_id", itemId);
        g.writeNumberField("timestamp_ms", timestampMs);
        g.writeNumberField("received_ms", receivedMs);
        if (!context.isEmpty()) {
            g.writeObjectFieldStart("context");
            for (Map.Entry<String, String> e : context.entrySet()) g.writeStringField(e.getKey(), e.getValue());
            g.writeEndObject();
        }
        if (recommendationId != null) g.writeStringField("recommendation_id", recommendationId);
        if (modelVersion != null) g.writeStringField("model_version", modelVersion);
        g.writeEndObject();
    }
}
