package ai.mercury.server;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;

/**
 * A seeded generator of hostile HTTP requests for {@link FuzzIT}: random bytes, truncated and
 * mutated JSON (wrong types in every field, extreme numbers and dates, NaN/Infinity, deep nesting,
 * huge strings and arrays, invalid UTF-8, lone surrogates, duplicate keys, comments), odd headers
 * (Expect, Transfer-Encoding, Upgrade, bad Content-Length), odd paths and methods, HTTP/1.0 and
 * pipelining, against {@code /recommend}, {@code /items}, {@code /events}, the admin routes and the
 * rest. The same seed gives the same cases.
 */
final class FuzzCases {
    /** One request (or several, pipelined) as bytes; {@code halfClose}: the client ends its side after sending (the request is incomplete by design). */
    record Case(String kind, String route, byte[] bytes, int expectedResponses, boolean halfClose, boolean oddVersion) {}

    private final Random random;
    private final String adminToken;

    FuzzCases(long seed, String adminToken) {
        this.random = new Random(seed);
        this.adminToken = adminToken;
    }

    static final List<String> ROUTES = List.of("POST /recommend", "PUT /items/{id}", "POST /events", "GET /items/{id}", "DELETE /items/{id}",
            "GET /admin/bundles", "POST /admin/bundles/{v}/activate", "DELETE /admin/bundles/pin", "GET /sessions/{id}", "DELETE /sessions/{id}",
            "DELETE /users/{id}", "GET /model", "GET /model/search", "GET /health/ready", "GET /health/live", "GET /metrics", "GET /openapi.json");

    private static final String[] CONTEXT_VALUES = {"France", "Germany", "United Kingdom", "mobile", "desktop"};
    private static final String[] ITEM_IDS = {"A001", "A002", "B001", "B004", "C003", "fuzz-1", "fuzz-2"};

    Case next() {
        int kind = random.nextInt(100);
        if (kind < 5) return randomBytes();
        if (kind < 10) return randomHead();
        if (kind < 55) return jsonCase();
        if (kind < 72) return oddHeaders();
        if (kind < 82) return oddPath();
        if (kind < 90) return http10();
        return pipelined();
    }

    // ---- whole-request kinds ----

    private Case randomBytes() {
        byte[] b = new byte[random.nextInt(2048)];
        random.nextBytes(b);
        return new Case("random_bytes", "-", b, 1, true, true);
    }

    /** A request line and headers made of printable noise, cut anywhere. */
    private Case randomHead() {
        String s = pick("GET", "POST", "PUT", "DELETE", "G E T", "") + " " + noisePath() + " " + pick("HTTP/1.1", "HTTP/1.0", "HTTP/1.1 x", "HTTP/9.9", "HTTP/1.1\n", "")
                + "\r\n" + pick("Host: x\r\n", "Host x\r\n", ": empty\r\n", "\t folded\r\n", "Host: x\r\nHost: y\r\n", "X-\u0001: \u0002\r\n") + "\r\n";
        byte[] b = s.getBytes(StandardCharsets.ISO_8859_1);
        int cut = random.nextInt(3) == 0 ? random.nextInt(b.length + 1) : b.length;
        return new Case("random_head", "-", java.util.Arrays.copyOf(b, cut), 1, true, true);
    }

    /** A valid-looking request to a JSON route whose body is mutated. */
    private Case jsonCase() {
        int r = random.nextInt(3);
        String route;
        String method;
        String path;
        String template;
        boolean admin;
        switch (r) {
            case 0 -> {
                route = "POST /recommend";
                method = "POST";
                path = "/recommend";
                template = recommendBody();
                admin = false;
            }
            case 1 -> {
                route = "PUT /items/{id}";
                method = "PUT";
                path = "/items/" + pick(ITEM_IDS);
                template = itemBody();
                admin = random.nextInt(10) != 0;
            }
            default -> {
                route = "POST /events";
                method = "POST";
                path = "/events" + pick("", "", "?sync=true", "?sync=maybe");
                template = random.nextBoolean() ? eventBody() : "{\"events\":[" + eventBody() + "," + eventBody() + "]}";
                admin = false;
            }
        }
        String mutation = pick("none", "truncate", "wrong_type", "wrong_type", "extreme", "extreme", "deep", "huge_string", "huge_array",
                "bad_utf8", "surrogate", "duplicate", "comment", "unknown_field", "trailing", "not_object", "unicode");
        byte[] body = mutate(template, mutation);
        java.util.Map<String, String> headers = new java.util.LinkedHashMap<>();
        headers.put("Content-Type", random.nextInt(20) == 0 ? pick("text/plain", "application/json; charset=latin1", "", "application/jsonx") : "application/json");
        if (admin) headers.put("Authorization", "Bearer " + adminToken);
        return new Case("json_" + mutation, route, request(method, path, headers, body, true), 1, false, false);
    }

    private Case oddHeaders() {
        String route = pick(ROUTES);
        String method = route.substring(0, route.indexOf(' '));
        String path = concrete(route.substring(route.indexOf(' ') + 1));
        byte[] body = method.equals("GET") || method.equals("DELETE") ? new byte[0] : bodyFor(route).getBytes(StandardCharsets.UTF_8);
        java.util.Map<String, String> headers = new java.util.LinkedHashMap<>();
        headers.put("Content-Type", "application/json");
        headers.put("Authorization", "Bearer " + adminToken);
        String which = pick("expect", "transfer_encoding", "upgrade", "content_length", "huge_header", "many_headers", "bad_header_bytes", "connection");
        boolean sendLength = true;
        boolean halfClose = false;
        byte[] raw = null;
        switch (which) {
            case "expect" -> headers.put("Expect", pick("100-continue", "bogus", "", "100-continue, bogus", "200-ok", "\u00ff"));
            case "transfer_encoding" -> {
                String te = pick("chunked", "gzip", "chunked, chunked", "identity", "chunked;x", "xchunked", "gzip, chunked");
                headers.put("Transfer-Encoding", te);
                sendLength = random.nextBoolean(); // both, or TE only
                if (te.endsWith("chunked")) {
                    raw = chunked(body);
                    halfClose = true; // a broken chunk stream may leave the server waiting for the rest
                } else {
                    halfClose = true;
                }
            }
            case "upgrade" -> {
                headers.put("Upgrade", pick("websocket", "h2c", "HTTP/2.0", "TLS/1.0", "\u0000"));
                headers.put("Connection", pick("Upgrade", "Upgrade, HTTP2-Settings", "keep-alive"));
                if (random.nextBoolean()) headers.put("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ==");
                if (random.nextBoolean()) headers.put("Sec-WebSocket-Version", pick("13", "8", "x"));
                if (random.nextBoolean()) headers.put("HTTP2-Settings", "AAMAAABkAARAAAAAAAIAAAAA");
                halfClose = true;
            }
            case "content_length" -> {
                sendLength = false;
                String cl = pick("-1", "abc", "99999999999999999999", "0", String.valueOf(body.length + 1 + random.nextInt(100)),
                        String.valueOf(Math.max(0, body.length - 1)), body.length + ", " + body.length, " " + body.length, "0x10", "1e3");
                headers.put("Content-Length", cl);
                if (random.nextBoolean()) headers.put("content-length", String.valueOf(body.length + 3)); // a second, different one
                halfClose = true; // a length above the body leaves the server waiting for bytes that never come
            }
            case "huge_header" -> headers.put("X-Fuzz", "h".repeat(random.nextInt(20_000)));
            case "many_headers" -> {
                for (int i = 0; i < random.nextInt(500); i++) headers.put("X-F" + i, "v" + i);
            }
            case "bad_header_bytes" -> headers.put(pick("X-\u00e9", "X Bad", "X-Ok", ""), pick("\u00ff\u00fe", "a\rb", "\u0000", "ok"));
            default -> headers.put("Connection", pick("close", "keep-alive", "upgrade", "", "close, close"));
        }
        byte[] bytes = raw == null ? request(method, path, headers, body, sendLength) : concat(head(method, path, headers, false), raw);
        return new Case("header_" + which, route, bytes, 1, halfClose, false);
    }

    private Case oddPath() {
        String method = pick("GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "BREW", "get", "TRACE", "CONNECT");
        String path = pick(noisePath(), "/items/" + noiseId(), "/sessions/" + noiseId(), "/users/" + noiseId(), "/admin/bundles/" + noiseId() + "/activate",
                "/model/search?query=" + noiseId() + "&k=" + pick("1", "0", "-1", "1001", "x", "99999999999"), "/recommend?" + noiseId(),
                "/%zz", "/items/%", "/items/%c0%80", "/items/%ed%a0%80", "/../../etc/passwd", "/items/" + "x".repeat(random.nextInt(5000)), "*",
                "http://127.0.0.1/health/live", "/health/live#frag", "//health//live", "/health/live?" + "a=1&".repeat(random.nextInt(2000)));
        java.util.Map<String, String> headers = new java.util.LinkedHashMap<>();
        if (random.nextBoolean()) headers.put("Authorization", random.nextBoolean() ? "Bearer " + adminToken : pick("Bearer", "Basic x", "Bearer \u00ff", ""));
        byte[] body = method.equals("POST") || method.equals("PUT") || method.equals("PATCH") ? bodyFor(pick(ROUTES)).getBytes(StandardCharsets.UTF_8) : new byte[0];
        if (body.length > 0) headers.put("Content-Type", "application/json");
        boolean connect = method.equals("CONNECT");
        return new Case("path", "-", request(method, path, headers, body, true), 1, connect, false);
    }

    private Case http10() {
        String route = pick(ROUTES);
        String method = route.substring(0, route.indexOf(' '));
        String path = concrete(route.substring(route.indexOf(' ') + 1));
        byte[] body = method.equals("GET") || method.equals("DELETE") ? new byte[0] : bodyFor(route).getBytes(StandardCharsets.UTF_8);
        StringBuilder head = new StringBuilder(method + " " + path + " HTTP/1.0\r\n");
        if (random.nextBoolean()) head.append("Connection: keep-alive\r\n");
        head.append("Content-Type: application/json\r\nAuthorization: Bearer ").append(adminToken).append("\r\n");
        if (body.length > 0 || random.nextBoolean()) head.append("Content-Length: ").append(body.length).append("\r\n");
        head.append("\r\n");
        return new Case("http10", route, concat(head.toString().getBytes(StandardCharsets.ISO_8859_1), body), 1, false, false);
    }

    private Case pipelined() {
        int n = 2 + random.nextInt(3);
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        for (int i = 0; i < n; i++) {
            String route = pick(ROUTES);
            String method = route.substring(0, route.indexOf(' '));
            String path = concrete(route.substring(route.indexOf(' ') + 1));
            byte[] body = method.equals("GET") || method.equals("DELETE") ? new byte[0] : bodyFor(route).getBytes(StandardCharsets.UTF_8);
            if (random.nextInt(4) == 0) body = mutate(new String(body, StandardCharsets.UTF_8), pick("truncate", "wrong_type", "surrogate", "duplicate"));
            java.util.Map<String, String> headers = new java.util.LinkedHashMap<>();
            headers.put("Content-Type", "application/json");
            headers.put("Authorization", "Bearer " + adminToken);
            all.writeBytes(request(method, path, headers, body, true));
        }
        return new Case("pipelined", "-", all.toByteArray(), n, false, false);
    }

    // ---- bodies ----

    private String bodyFor(String route) {
        if (route.contains("recommend")) return recommendBody();
        if (route.contains("items")) return itemBody();
        if (route.contains("events")) return eventBody();
        return random.nextBoolean() ? "{}" : recommendBody();
    }

    private String recommendBody() {
        StringBuilder b = new StringBuilder("{");
        if (random.nextBoolean()) b.append("\"k\":").append(1 + random.nextInt(20)).append(',');
        if (random.nextBoolean()) b.append("\"context\":{\"country\":\"").append(pick(CONTEXT_VALUES)).append("\",\"timestamp\":\"2011-11-04T09:30:00Z\"},");
        if (random.nextBoolean()) b.append("\"history\":[\"").append(pick(ITEM_IDS)).append("\",\"").append(pick(ITEM_IDS)).append("\"],");
        if (random.nextInt(4) == 0) b.append("\"query\":\"lunch bag\",");
        if (random.nextInt(4) == 0) b.append("\"session_id\":\"s-").append(random.nextInt(5)).append("\",");
        if (random.nextInt(4) == 0) b.append("\"filters\":{\"exclude\":[\"A001\"],\"price_max\":10,\"in_stock_only\":true,\"exclude_seen\":true},");
        if (b.charAt(b.length() - 1) == ',') b.setLength(b.length() - 1);
        return b.append('}').toString();
    }

    private String itemBody() {
        return "{\"title\":\"fuzz item " + random.nextInt(1000) + "\",\"price\":" + random.nextInt(100) + ".5,\"category\":\"" + pick("bags", "toys", "home")
                + "\",\"in_stock\":" + random.nextBoolean() + (random.nextBoolean() ? ",\"description\":\"a thing\"" : "") + "}";
    }

    private String eventBody() {
        return "{\"event_type\":\"" + pick("view", "purchase", "click", "add_to_cart") + "\",\"session_id\":\"s-" + random.nextInt(5) + "\",\"item_id\":\""
                + pick(ITEM_IDS) + "\"" + (random.nextBoolean() ? ",\"user_id\":\"u-1\"" : "") + (random.nextBoolean() ? ",\"timestamp\":\"" + isoNow() + "\"" : "") + "}";
    }

    private static String isoNow() {
        return java.time.Instant.now().toString();
    }

    /** Extreme or wrong values for any field. */
    private String hostileValue() {
        return pick("null", "true", "false", "0", "-0", "-1", "1.5", "1e309", "-1e309", "1e-400", "123456789012345678901234567890", "9223372036854775808",
                "NaN", "Infinity", "-Infinity", "\"\"", "\" \"", "[]", "{}", "[null]", "[1,2]", "{\"a\":1}", "\"\\u0000\"", "\"\\ud800\"", "\"\\udc00\\ud800\"",
                "\"+999999999-12-31T23:59:59.999999999-18:00\"", "\"-999999999-01-01T00:00:00Z\"", "\"0000-00-00\"", "\"2011-11-04T09:30:00\"",
                "\"9999-12-31T23:59:59Z\"", "\"1970-01-01T00:00:00Z\"", "\"" + "x".repeat(random.nextInt(70_000)) + "\"", "0." + "1".repeat(2000),
                "[" + "\"A001\",".repeat(random.nextInt(3000)) + "\"A002\"]", "\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"", "\"\uD83D\uDE00\"", "01", "+1", ".5", "1.", "0x10");
    }

    private byte[] mutate(String json, String mutation) {
        String s = json;
        switch (mutation) {
            case "truncate" -> s = s.substring(0, random.nextInt(s.length() + 1));
            case "wrong_type", "extreme" -> s = replaceValue(s, hostileValue());
            case "deep" -> {
                int depth = pick(new int[]{2, 10, 31, 32, 33, 100, 999, 1000, 1001, 5000});
                String open = random.nextBoolean() ? "[".repeat(depth) : "{\"a\":".repeat(depth);
                String close = open.startsWith("[") ? "]".repeat(depth) : "}".repeat(depth);
                s = replaceValue(s, open + close);
            }
            case "huge_string" -> s = replaceValue(s, "\"" + "y".repeat(random.nextInt(200_000)) + "\"");
            case "huge_array" -> s = replaceValue(s, "[" + "1,".repeat(random.nextInt(100_000)) + "1]");
            case "bad_utf8" -> {
                byte[] b = s.getBytes(StandardCharsets.UTF_8);
                byte[][] bad = {{(byte) 0xED, (byte) 0xA0, (byte) 0x80}, {(byte) 0xC0, (byte) 0x80}, {(byte) 0xFF}, {(byte) 0xE2, (byte) 0x82},
                        {(byte) 0xF4, (byte) 0x90, (byte) 0x80, (byte) 0x80}, {(byte) 0x80}, {(byte) 0xF0, (byte) 0x9F, (byte) 0x98, (byte) 0x80}};
                byte[] ins = bad[random.nextInt(bad.length)];
                int at = s.indexOf('"', 2) > 0 && random.nextBoolean() ? s.indexOf('"', 2) : random.nextInt(b.length + 1);
                at = Math.min(at, b.length);
                return concat(concat(java.util.Arrays.copyOf(b, at), ins), java.util.Arrays.copyOfRange(b, at, b.length));
            }
            case "surrogate" -> s = replaceValue(s, pick("\"\\ud800\"", "\"a\\udfff\"", "[\"\\ud83d\"]", "\"\\ud83d\\ud83d\""));
            case "duplicate" -> s = s.length() > 2 ? "{" + s.substring(1, s.length() - 1) + "," + s.substring(1) : s;
            case "comment" -> s = pick("/* c */", "// c\n", "# c\n") + s;
            case "unknown_field" -> s = s.length() > 2 ? "{\"" + pick("zzz", "k ", "", "\\ud800", "__proto__") + "\":1," + s.substring(1) : s;
            case "trailing" -> s = s + pick("x", "{}", ",", "   ", "\u0000", "]");
            case "not_object" -> s = pick("[]", "\"s\"", "1", "null", "true", "", "   ", "[" + s + "]");
            case "unicode" -> s = replaceValue(s, "\"" + pick("\u00e9\u00e8", "\u4e2d\u6587", "\uD83D\uDE00", "\u202e", "\uFEFF", "\u0085") + "\"");
            default -> { }
        }
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** {@code json} with one value (after a random {@code ":"}) replaced by {@code value}; appended as a new key when there is none. */
    private String replaceValue(String json, String value) {
        java.util.List<Integer> colons = new java.util.ArrayList<>();
        boolean inString = false;
        for (int i = 0; i < json.length(); i++) {
            char c = json.charAt(i);
            if (c == '"' && (i == 0 || json.charAt(i - 1) != '\\')) inString = !inString;
            if (!inString && c == ':') colons.add(i);
        }
        if (colons.isEmpty()) return json.length() > 1 ? "{\"x\":" + value + "}" : json;
        int at = colons.get(random.nextInt(colons.size())) + 1;
        int end = valueEnd(json, at);
        return json.substring(0, at) + value + json.substring(end);
    }

    /** The end of the JSON value starting at {@code from} (a string, a number/literal, or a bracketed value). */
    private static int valueEnd(String s, int from) {
        int i = from;
        while (i < s.length() && s.charAt(i) == ' ') i++;
        if (i >= s.length()) return i;
        char c = s.charAt(i);
        if (c == '"') {
            for (int j = i + 1; j < s.length(); j++) if (s.charAt(j) == '"' && s.charAt(j - 1) != '\\') return j + 1;
            return s.length();
        }
        if (c == '{' || c == '[') {
            int depth = 0;
            boolean inString = false;
            for (int j = i; j < s.length(); j++) {
                char d = s.charAt(j);
                if (d == '"' && s.charAt(j - 1) != '\\') inString = !inString;
                if (inString) continue;
                if (d == '{' || d == '[') depth++;
                if (d == '}' || d == ']') depth--;
                if (depth == 0) return j + 1;
            }
            return s.length();
        }
        int j = i;
        while (j < s.length() && ",}]".indexOf(s.charAt(j)) < 0) j++;
        return j;
    }

    // ---- helpers ----

    private String concrete(String path) {
        return path.replace("{id}", random.nextInt(4) == 0 ? noiseId() : pick(ITEM_IDS)).replace("{v}", pick("20260101T000000Z", "nope", "..", "20990101T000000Z"));
    }

    private String noisePath() {
        StringBuilder b = new StringBuilder("/");
        int n = random.nextInt(40);
        String alphabet = "abcxyz019/%._-~!$&'()*+,;=:@?#[]\\^`{|} \"<>";
        for (int i = 0; i < n; i++) b.append(alphabet.charAt(random.nextInt(alphabet.length())));
        return b.toString().replace(" ", random.nextBoolean() ? "%20" : "+");
    }

    private String noiseId() {
        return pick("A001", "x", "%41", "a%2Fb", "%00", "\u00e9", "a b", "..", "%ff", "%ed%a0%80", "a".repeat(129), "semi;colon", "q?x=1");
    }

    private byte[] head(String method, String path, java.util.Map<String, String> headers, boolean close) {
        StringBuilder head = new StringBuilder(method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n");
        headers.forEach((k, v) -> head.append(k).append(": ").append(v).append("\r\n"));
        if (close) head.append("Connection: close\r\n");
        head.append("\r\n");
        return head.toString().getBytes(StandardCharsets.UTF_8);
    }

    private byte[] request(String method, String path, java.util.Map<String, String> headers, byte[] body, boolean sendLength) {
        java.util.Map<String, String> all = new java.util.LinkedHashMap<>(headers);
        if (sendLength && !all.containsKey("Content-Length")) all.put("Content-Length", String.valueOf(body.length));
        return concat(head(method, path, all, false), body);
    }

    private byte[] chunked(byte[] body) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int pos = 0;
        while (pos < body.length) {
            int n = Math.min(body.length - pos, 1 + random.nextInt(64));
            String size = random.nextInt(15) == 0 ? pick("zz", "-1", "ffffffffffff", "", Integer.toHexString(n + 5)) : Integer.toHexString(n);
            out.writeBytes((size + (random.nextInt(20) == 0 ? ";ext=1" : "") + "\r\n").getBytes(StandardCharsets.US_ASCII));
            out.write(body, pos, n);
            out.writeBytes((random.nextInt(30) == 0 ? "\n" : "\r\n").getBytes(StandardCharsets.US_ASCII));
            pos += n;
        }
        if (random.nextInt(10) != 0) out.writeBytes("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        return out.toByteArray();
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    @SafeVarargs
    private <T> T pick(T... options) {
        return options[random.nextInt(options.length)];
    }

    private <T> T pick(List<T> options) {
        return options.get(random.nextInt(options.size()));
    }

    private int pick(int[] options) {
        return options[random.nextInt(options.length)];
    }
}
