package ai.mercury.cli;

import ai.mercury.config.MercuryConfig;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** PORT (set by Render, Spaces, Fly) stands for MERCURY_HTTP_PORT only when that is unset. */
class ServeCommandPortTest {
    private static int port(Map<String, String> env) {
        return MercuryConfig.load(null, ServeCommand.withPlatformPort(env), Map.of()).httpPort();
    }

    @Test
    void platformPortIsUsedWhenMercuryHttpPortIsAbsent() {
        assertEquals(7860, port(Map.of("PORT", "7860")));
        assertEquals(9000, port(Map.of("PORT", "7860", "MERCURY_HTTP_PORT", "9000")));
        assertEquals(MercuryConfig.DEFAULT_HTTP_PORT, port(Map.of()));
        assertEquals(MercuryConfig.DEFAULT_HTTP_PORT, port(Map.of("PORT", " ")));
    }

    @Test
    void aBadPlatformPortStopsTheStartWithTheKey() {
        MercuryConfig.ConfigException e = org.junit.jupiter.api.Assertions.assertThrows(MercuryConfig.ConfigException.class, () -> port(Map.of("PORT", "http")));
        assertTrue(e.getMessage().contains("http.port"), e.getMessage());
    }

    @Test
    void theVectorWarningNamesTheExactFlag() {
        assertTrue(ServeCommand.vectorWarning().contains("--add-modules jdk.incubator.vector -jar mercury.jar serve"));
        assertEquals(MercuryConfig.DEFAULT_SHUTDOWN_GRACE_MS, MercuryConfig.defaults().shutdownGraceMs());
    }
}
