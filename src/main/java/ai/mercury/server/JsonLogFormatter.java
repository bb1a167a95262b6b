package ai.mercury.server;

import ai.mercury.config.EdgeConfig;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.Map;
import java.util.logging.ConsoleHandler;
import java.util.logging.Formatter;
import java.util.logging.Handler;
import java.util.logging.LogManager;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * {@code log.format=json}: every log line is one JSON object ({@code ts}, {@code level},
 * {@code logger}, {@code thread}, {@code message}, the fields of a {@link StructuredLogRecord} such as
 * the access log's {@code request_id}, and {@code error} with the stack trace when there is one),
 * for log shippers. Stateless and thread-safe.
 */
public final class JsonLogFormatter extends Formatter {
    private static final JsonFactory JSON = new JsonFactory();

    /** Applies {@code log.format} to the root logger's handlers (a console handler when it has none). Call once at start. */
    public static void install(EdgeConfig config) {
        if (!config.logFormat().equals("json")) return;
        Logger root = LogManager.getLogManager().getLogger("");
        if (root.getHandlers().length == 0) root.addHandler(new ConsoleHandler());
        for (Handler h : root.getHandlers()) h.setFormatter(new JsonLogFormatter());
    }

    @Override
    public String format(LogRecord r) {
        StringWriter out = new StringWriter(160);
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.writeStartObject();
            g.writeStringField("ts", Instant.ofEpochMilli(r.getMillis()).toString());
            g.writeStringField("level", r.getLevel().getName());
            g.writeStringField("logger", r.getLoggerName());
            g.writeStringField("thread", Thread.currentThread().getName());
            g.writeStringField("message", r instanceof StructuredLogRecord ? r.getMessage() : formatMessage(r));
            if (r instanceof StructuredLogRecord s) {
                for (Map.Entry<String, Object> e : s.fields().entrySet()) {
                    if (e.getValue() instanceof Number n) {
                        g.writeFieldName(e.getKey());
                        if (n instanceof Double || n instanceof Float) g.writeNumber(n.doubleValue()); else g.writeNumber(n.longValue());
                    } else {
                        g.writeStringField(e.getKey(), String.valueOf(e.getValue()));
                    }
                }
            }
            if (r.getThrown() != null) {
                StringWriter trace = new StringWriter();
                r.getThrown().printStackTrace(new PrintWriter(trace));
                g.writeStringField("error", trace.toString());
            }
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.append('\n').toString();
    }
}
