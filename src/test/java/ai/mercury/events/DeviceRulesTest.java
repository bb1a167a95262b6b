package ai.mercury.events;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

class DeviceRulesTest {
    @Test
    void classifiesCommonUserAgents() {
        assertEquals("mobile", DeviceRules.device("Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148"));
        assertEquals("mobile", DeviceRules.device("Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 Chrome/120.0 Mobile Safari/537.36"));
        assertEquals("tablet", DeviceRules.device("Mozilla/5.0 (Linux; Android 13; SM-X700) AppleWebKit/537.36 Chrome/120.0 Safari/537.36"));
        assertEquals("tablet", DeviceRules.device("Mozilla/5.0 (iPad; CPU OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148"));
        assertEquals("desktop", DeviceRules.device("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/120.0 Safari/537.36"));
        assertEquals("desktop", DeviceRules.device("Mozilla/5.0 (Macintosh; Intel Mac OS X 14_0) Gecko/20100101 Firefox/121.0"));
        assertNull(DeviceRules.device("curl/8.5.0"));
        assertNull(DeviceRules.device("wrk"));
        assertNull(DeviceRules.device(null));
    }
}
