package ai.mercury.server;

import java.util.Map;
import java.util.logging.Level;
import java.util.logging.LogRecord;

/**
 * A log record that carries named fields besides its text: the {@link JsonLogFormatter} writes them
 * as JSON members; a text formatter shows the message alone. The message is never a format
 * pattern (it may hold a client's path), so it has no parameters. Immutable after construction.
 */
final class StructuredLogRecord extends LogRecord {
    private final transient Map<String, Object> fields;

    StructuredLogRecord(Level level, String message, String logger, Map<String, Object> fields) {
        super(level, message);
        setLoggerName(logger);
        this.fields = Map.copyOf(fields);
    }

    Map<String, Object> fields() {
        return fields;
    }
}
