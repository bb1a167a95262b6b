package ai.mercury.core;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.annotation.JsonInclude;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * The one Jackson mapper for bundle files (snake_case keys, nulls omitted, unknown keys tolerated),
 * and the one strict reader for JSON that comes from the network ({@link #readNetworkTree},
 * {@link #readNetworkObject}): every request body goes through it, so what it refuses is refused
 * everywhere with a 400.
 */
public final class Json {
    public static final ObjectMapper MAPPER = new ObjectMapper()
            .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .setSerializationInclusion(JsonInclude.Include.NON_NULL)
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false)
            .configure(SerializationFeature.INDENT_OUTPUT, true);

    /**
     * How deep objects and arrays may nest in a request body. No request needs more than 4; Jackson's
     * own limit (1,000) parses fine and then fails when the value is written back (journal, response).
     */
    public static final int MAX_NETWORK_DEPTH = 32;

    /**
     * Strict JSON (RFC 8259): no comments, no NaN/Infinity, no single quotes, no trailing commas
     * (Jackson's defaults), plus duplicate keys refused, nothing after the value, and a nesting limit.
     */
    private static final ObjectMapper NETWORK = new ObjectMapper(JsonFactory.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(MAX_NETWORK_DEPTH).build())
            .build())
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
    private static final ObjectReader NETWORK_TREE = NETWORK.readerFor(JsonNode.class);
    private static final ObjectReader NETWORK_MAP = NETWORK.readerFor(new TypeReference<Map<String, Object>>() {});

    private Json() {}

    /** A request body that is not acceptable JSON; the message says why, in words a client can act on. */
    public static final class InvalidJson extends RuntimeException {
        public InvalidJson(String message) {
            super(message, null, false, false); // the client's mistake, not a bug: no stack trace
        }
    }

    /**
     * Parses a request body as strict JSON. Refused with {@link InvalidJson}: bytes that are not UTF-8
     * (including UTF-8-encoded surrogates and overlong forms), strings or keys holding a lone UTF-16
     * surrogate ({@code "\ud800"}), comments, NaN/Infinity, duplicate keys, trailing content, and
     * nesting deeper than {@link #MAX_NETWORK_DEPTH}. Returns null for an empty body.
     */
    public static JsonNode readNetworkTree(byte[] body) {
        checkUtf8(body);
        if (isBlank(body)) return null;
        JsonNode root;
        try {
            root = NETWORK_TREE.readValue(body);
        } catch (JsonProcessingException e) {
            throw new InvalidJson(describe(e));
        } catch (IOException e) {
            throw new InvalidJson("the body could not be read");
        }
        checkText(root, "");
        return root;
    }

    /** As {@link #readNetworkTree} for a body that must be a JSON object, as plain maps and lists (what Vert.x's JsonObject wraps). */
    public static Map<String, Object> readNetworkObject(byte[] body) {
        checkUtf8(body);
        if (isBlank(body)) return null;
        Map<String, Object> root;
        try {
            root = NETWORK_MAP.readValue(body);
        } catch (com.fasterxml.jackson.databind.exc.MismatchedInputException e) {
            if (e.getTargetType() != null && Map.class.isAssignableFrom(e.getTargetType()) && !e.getOriginalMessage().contains("trailing")) {
                throw new InvalidJson("the body must be a JSON object");
            }
            throw new InvalidJson(describe(e));
        } catch (JsonProcessingException e) {
            throw new InvalidJson(describe(e));
        } catch (IOException e) {
            throw new InvalidJson("the body could not be read");
        }
        checkValue(root, "");
        return root;
    }

    /** Whether {@code s} holds a UTF-16 surrogate without its other half (not encodable as UTF-8). */
    public static boolean hasLoneSurrogate(String s) {
        for (int i = 0, n = s.length(); i < n; i++) {
            char c = s.charAt(i);
            if (Character.isSurrogate(c)) {
                if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(s.charAt(i + 1))) {
                    i++;
                } else {
                    return true;
                }
            }
        }
        return false;
    }

    /**
     * {@code s} with every lone surrogate replaced by U+FFFD, so that it can be written as UTF-8;
     * {@code s} itself (no copy) when it has none. What every response string goes through.
     */
    public static String wellFormed(String s) {
        if (s == null || !hasLoneSurrogate(s)) return s;
        StringBuilder out = new StringBuilder(s.length());
        for (int i = 0, n = s.length(); i < n; i++) {
            char c = s.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(s.charAt(i + 1))) {
                out.append(c).append(s.charAt(++i));
            } else {
                out.append(Character.isSurrogate(c) ? '\uFFFD' : c);
            }
        }
        return out.toString();
    }

    private static boolean isBlank(byte[] body) {
        for (byte b : body) if (b != ' ' && b != '\n' && b != '\r' && b != '\t') return false;
        return true;
    }

    /** Refuses bytes that are not well-formed UTF-8; ASCII-only bodies (nearly all) are checked by one scan. */
    private static void checkUtf8(byte[] body) {
        boolean ascii = true;
        for (byte b : body) {
            if (b < 0) {
                ascii = false;
                break;
            }
        }
        if (ascii) return;
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(body);
        try {
            decoder.decode(in);
        } catch (CharacterCodingException e) {
            throw new InvalidJson("the body is not valid UTF-8 (near byte " + in.position() + ")");
        }
    }

    private static void checkText(JsonNode node, String path) {
        if (node == null) return;
        if (node.isTextual()) {
            if (hasLoneSurrogate(node.textValue())) throw loneSurrogate(path);
        } else if (node.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                String at = path.isEmpty() ? e.getKey() : path + "." + e.getKey();
                if (hasLoneSurrogate(e.getKey())) throw loneSurrogate(path.isEmpty() ? "a key" : path + " (a key)");
                checkText(e.getValue(), at);
            }
        } else if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) checkText(node.get(i), path + "[" + i + "]");
        }
    }

    private static void checkValue(Object value, String path) {
        if (value instanceof String s) {
            if (hasLoneSurrogate(s)) throw loneSurrogate(path);
        } else if (value instanceof Map<?, ?> map) {
            for (Map.Entry<?, ?> e : map.entrySet()) {
                String key = (String) e.getKey();
                if (hasLoneSurrogate(key)) throw loneSurrogate(path.isEmpty() ? "a key" : path + " (a key)");
                checkValue(e.getValue(), path.isEmpty() ? key : path + "." + key);
            }
        } else if (value instanceof List<?> list) {
            for (int i = 0; i < list.size(); i++) checkValue(list.get(i), path + "[" + i + "]");
        }
    }

    private static InvalidJson loneSurrogate(String path) {
        String where = path.length() > 80 ? path.substring(0, 80) + "…" : path;
        return new InvalidJson(where + " holds a lone UTF-16 surrogate (e.g. \\ud800 without its pair), which is not text");
    }

    /** Jackson's message without its source excerpt, on one short line. */
    private static String describe(JsonProcessingException e) {
        String m = e.getOriginalMessage();
        if (m == null) m = e.getClass().getSimpleName();
        m = m.lines().findFirst().orElse("");
        if (e.getLocation() != null && e.getLocation().getCharOffset() >= 0) m += " (at character " + e.getLocation().getCharOffset() + ")";
        else if (e.getLocation() != null && e.getLocation().getByteOffset() >= 0) m += " (at byte " + e.getLocation().getByteOffset() + ")";
        return m.length() > 240 ? m.substring(0, 240) + "…" : m;
    }
}
