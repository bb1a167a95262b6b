package ai.mercury.server;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.logging.Level;
import java.util.logging.LogRecord;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Client errors: one INFO line each, no trace, no control characters, at most LINES_PER_MINUTE per kind a minute. */
class ClientErrorLogTest {
    @Test
    void ratePerKind_boundedAndOneLine() {
        try (LogCapture logs = new LogCapture()) {
            String kind = "test_kind_" + System.nanoTime();
            for (int i = 0; i < 1000; i++) ClientErrorLog.log(kind, "GET /x\r\nInjected: line " + i);
            ClientErrorLog.log(kind + "_other", "another kind has its own budget");
            List<LogRecord> lines = logs.from(ClientErrorLog.LOGGER);
            assertEquals(ClientErrorLog.LINES_PER_MINUTE + 1, lines.size());
            for (LogRecord r : lines) {
                assertEquals(Level.INFO, r.getLevel());
                assertNull(r.getThrown());
                assertFalse(r.getMessage().contains("\n") || r.getMessage().contains("\r"), r.getMessage());
            }
            assertTrue(lines.get(0).getMessage().startsWith("client error " + kind + ": GET /x  Injected"), lines.get(0).getMessage());
        }
    }
}
