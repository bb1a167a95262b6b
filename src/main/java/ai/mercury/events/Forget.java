package ai.mercury.events;

import com.fasterxml.jackson.core.JsonGenerator;

import java.io.IOException;
import java.util.Objects;

/**
 * A tombstone in the event log: every earlier event of this session (or user) is to be forgotten,
 * by the session store at replay and by every reader of the log (training). Immutable.
 *
 * @param scope      {@code session} or {@code user}
 * @param id         the session or user id
 * @param receivedMs when the deletion was requested (epoch milliseconds)
 */
public record Forget(Scope scope, String id, long receivedMs) {
    /** What a tombstone names. */
    public enum Scope { SESSION, USER }

    public Forget {
        Objects.requireNonNull(scope, "scope");
        Objects.requireNonNull(id, "id");
    }

    /** Whether this tombstone covers {@code e} (an event earlier in the log). */
    public boolean covers(Event e) {
        return scope == Scope.SESSION ? id.equals(e.sessionId()) : id.equals(e.userId());
    }

    void write(JsonGenerator g) throws IOException {
        g.writeStartObject();
        g.writeStringField("forget", scope == Scope.SESSION ? "session" : "user");
        g.writeStringField("id", id);
        g.writeNumberField("received_ms", receivedMs);
        g.writeEndObject();
    }
}
