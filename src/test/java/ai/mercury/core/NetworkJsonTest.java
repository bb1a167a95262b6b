package ai.mercury.core;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The strict reader for request bodies and the lone-surrogate repair for response strings. */
class NetworkJsonTest {
    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void readsPlainJson_asTreeAndAsMaps() {
        JsonNode tree = Json.readNetworkTree(utf8("{\"a\":[1,\"x\",{\"b\":null}],\"c\":\"caf\u00e9 \uD83D\uDE00\"}"));
        assertEquals("caf\u00e9 \uD83D\uDE00", tree.get("c").asText());
        Map<String, Object> map = Json.readNetworkObject(utf8("{\"k\":5,\"big\":12345678901,\"f\":1.5,\"l\":[\"a\"]}"));
        assertEquals(5, map.get("k"));
        assertEquals(12345678901L, map.get("big"));
        assertEquals(1.5, map.get("f"));
        assertEquals(List.of("a"), map.get("l"));
        assertNull(Json.readNetworkObject(utf8("  \n")));
    }

    @ParameterizedTest
    @ValueSource(strings = {"{\"a\":1,\"a\":2}", "{/*c*/\"a\":1}", "{\"a\":1}//c", "{\"a\":NaN}", "{\"a\":Infinity}", "{'a':1}",
            "{\"a\":[1,]}", "{\"a\":1}{}", "{\"a\":1} x", "{\"a\":\"\\ud800\"}", "{\"\\udc00\":1}", "{\"a\":[\"ok\",\"\\ud83d\"]}", "[1]", "\"s\""})
    void refusesWhatIsNotStrictJson(String body) {
        assertThrows(Json.InvalidJson.class, () -> Json.readNetworkObject(utf8(body)), body);
    }

    @Test
    void refusesNestingPastTheLimit_acceptsUpToIt() {
        int ok = Json.MAX_NETWORK_DEPTH - 1; // plus the outer object
        Json.readNetworkObject(utf8("{\"a\":" + "[".repeat(ok) + "]".repeat(ok) + "}"));
        Json.InvalidJson e = assertThrows(Json.InvalidJson.class, () -> Json.readNetworkTree(utf8("{\"a\":" + "[".repeat(1000) + "]".repeat(1000) + "}")));
        assertTrue(e.getMessage().contains("nesting depth"), e.getMessage());
    }

    @Test
    void refusesBytesThatAreNotUtf8() {
        byte[][] bad = {{(byte) 0xED, (byte) 0xA0, (byte) 0x80}, {(byte) 0xC0, (byte) 0x80}, {(byte) 0xFF}, {(byte) 0xE2, (byte) 0x82}, {(byte) 0x80}};
        for (byte[] b : bad) {
            byte[] body = new byte[8 + b.length];
            System.arraycopy(utf8("{\"a\":\""), 0, body, 0, 6);
            System.arraycopy(b, 0, body, 6, b.length);
            body[6 + b.length] = '"';
            body[7 + b.length] = '}';
            Json.InvalidJson e = assertThrows(Json.InvalidJson.class, () -> Json.readNetworkTree(body));
            assertTrue(e.getMessage().contains("UTF-8"), e.getMessage());
        }
    }

    @Test
    void wellFormed_replacesOnlyLoneSurrogates() {
        String fine = "plain caf\u00e9 \uD83D\uDE00";
        assertSame(fine, Json.wellFormed(fine), "no copy when there is nothing to repair");
        assertEquals("a\uFFFDb", Json.wellFormed("a\ud800b"));
        assertEquals("\uFFFD\uFFFD", Json.wellFormed("\udc00\ud800"));
        assertEquals("x\uD83D\uDE00\uFFFD", Json.wellFormed("x\uD83D\uDE00\ud83d"));
        assertFalse(Json.hasLoneSurrogate(Json.wellFormed("\ud800\ud800\udc00")));
    }
}
