package ai.mercury.server;

import java.util.Locale;

/**
 * How {@link HttpVerticle} runs the inference of {@code /recommend} ({@code inference.dispatch}).
 * Measured in docs/bench/hot-path.md.
 */
public enum Dispatch {
    /** Over the event bus to the {@link InferenceVerticle} worker instances (the design's default; answers 503 after {@code http.request_timeout_ms}). */
    EVENT_BUS,
    /** On a worker executor of {@code inference.worker_instances} threads through {@code executeBlocking}: no event-bus message or reply timer, no request timeout. */
    WORKER,
    /** Inline on the event loop: no thread hop at all. Only for small catalogs (exact search in tens of µs); a slow request stalls every connection of its event loop. */
    EVENT_LOOP;

    public String label() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    public static Dispatch parse(String s) {
        for (Dispatch d : values()) {
            if (d.label().equals(s.trim().toLowerCase(Locale.ROOT))) return d;
        }
        throw new IllegalArgumentException("must be event-bus, worker or event-loop, got '" + s + "'");
    }
}
