package ai.mercury.feature;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What is known about a visitor at request time: context values by field name (country, device,
 * …), the request time, the items touched so far (most recent first) and an optional query text.
 * The same record describes a live request and a training or evaluation example.
 */
public record UserContext(Map<String, String> context, Instant timestamp, List<String> history, String query) {
    public UserContext {
        context = Map.copyOf(Objects.requireNonNull(context, "context"));
        Objects.requireNonNull(timestamp, "timestamp");
        history = List.copyOf(Objects.requireNonNull(history, "history"));
    }
}
