package ai.mercury.server;

import ai.mercury.core.CatalogItem;
import ai.mercury.core.Json;
import ai.mercury.model.Recommendation;
import ai.mercury.model.Recommendation.ScoredItem;
import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.StreamWriteFeature;
import com.fasterxml.jackson.core.io.JsonStringEncoder;
import com.fasterxml.jackson.core.io.NumberOutput;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * Streams response bodies straight to bytes with Jackson's generator (no intermediate tree).
 *
 * <p>A recommendation body is written in two parts so that the {@link ResponseCache} can keep the
 * expensive one: the <em>answer</em> ({@code ,"items":[…],"unknown_history":[…]}}, everything
 * after {@code took_ms}) and the head ({@code {"model_version":"…","took_ms":…}), which differs
 * per request. The answer is written by hand into a byte array (the shape is fixed; strings are
 * escaped as Jackson escapes them) with Jackson's Schubfach number formatting (the shortest
 * decimal that reads back as the same float). Measured against the generator in
 * {@code ResponseWriterBenchmark} (docs/bench/hot-path.md).
 *
 * <p>Every JSON body the server sends is written here ({@link #json} for the small ones), and every
 * string goes through {@link Json#wellFormed} first: a lone UTF-16 surrogate (from an old journal,
 * a bundle, an echoed id) becomes U+FFFD instead of making Jackson throw halfway through a response.
 */
final class ResponseWriter {
    private static final JsonFactory JSON = JsonFactory.builder().enable(StreamWriteFeature.USE_FAST_DOUBLE_WRITER).build();
    private static final byte[] TOOK_MS = ",\"took_ms\":".getBytes(StandardCharsets.US_ASCII);

    /** {@code {"model_version":"<v>"} of the last version written: versions change rarely. */
    private static volatile Head lastHead = new Head("", new byte[0]);

    private record Head(String version, byte[] bytes) {}

    private ResponseWriter() {}

    /** The whole 200 body of {@code /recommend}. */
    static Buffer recommendation(Recommendation r, double tookMs) {
        return assemble(r.modelVersion(), tookMs, answer(r));
    }

    /** The answer part of a body: {@code ,"items":[…],"unknown_history":[…]}}. */
    static byte[] answer(Recommendation r) {
        Bytes out = new Bytes(64 + r.items().size() * 128);
        out.ascii(",\"items\":[");
        boolean first = true;
        for (ScoredItem s : r.items()) {
            CatalogItem item = s.item();
            out.ascii(first ? "{\"item_id\":" : ",{\"item_id\":");
            first = false;
            out.string(item.itemId());
            out.ascii(",\"score\":");
            out.ascii(NumberOutput.toString(s.score(), true));
            out.ascii(",\"title\":");
            out.string(item.title());
            out.ascii(",\"price\":");
            out.price(item.price());
            if (item.category() != null) {
                out.ascii(",\"category\":");
                out.string(item.category());
            }
            out.ascii(item.inStock() ? ",\"in_stock\":true}" : ",\"in_stock\":false}");
        }
        out.ascii("],\"unknown_history\":[");
        first = true;
        for (String id : r.unknownHistory()) {
            if (!first) out.ascii(",");
            first = false;
            out.string(id);
        }
        out.ascii("]}");
        return out.toArray();
    }

    /**
     * A growable byte array that writes JSON pieces: ASCII literals as they are, strings quoted and
     * escaped exactly as Jackson's generator does (printable ASCII copied, {@code "} and {@code \}
     * and control characters escaped, everything else as UTF-8 through Jackson's encoder).
     */
    private static final class Bytes {
        private byte[] buf;
        private int len;

        Bytes(int capacity) {
            buf = new byte[capacity];
        }

        private void ensure(int extra) {
            if (len + extra > buf.length) buf = java.util.Arrays.copyOf(buf, Math.max(buf.length * 2, len + extra));
        }

        /** Appends {@code s}, which holds only ASCII characters that need no escaping. */
        @SuppressWarnings("deprecation")
        void ascii(String s) {
            int n = s.length();
            ensure(n);
            s.getBytes(0, n, buf, len); // the deprecated Latin-1 copy: exactly right for ASCII, and an intrinsic
            len += n;
        }

        @SuppressWarnings("deprecation")
        void string(String s) {
            int n = s.length();
            for (int i = 0; i < n; i++) {
                char c = s.charAt(i);
                if (c < 0x20 || c >= 0x7f || c == '"' || c == '\\') {
                    ensure(2);
                    buf[len++] = '"';
                    byte[] quoted = JsonStringEncoder.getInstance().quoteAsUTF8(Json.wellFormed(s));
                    ensure(quoted.length + 1);
                    System.arraycopy(quoted, 0, buf, len, quoted.length);
                    len += quoted.length;
                    buf[len++] = '"';
                    return;
                }
            }
            ensure(n + 2);
            buf[len++] = '"';
            s.getBytes(0, n, buf, len);
            len += n;
            buf[len++] = '"';
        }

        /**
         * A price as Java and Jackson write it (the shortest decimal that reads back as the same
         * double, at least one decimal: {@code 12.75}, {@code 2.5}, {@code 3.0}). Prices of at most two
         * decimals between 0.01 and 10^7, nearly all of them, take a fast path without a string:
         * when {@code c / 100.0 == p} for {@code c = round(p * 100)}, the decimal {@code c/100} (trailing
         * zero dropped) is exact and, since no two such decimals round to one double there, the shortest.
         */
        void price(double p) {
            long c = Math.round(p * 100);
            if (p >= 0.01 && p < 1e7 && c / 100.0 == p) {
                long whole = c / 100;
                int cents = (int) (c % 100);
                ascii(Long.toString(whole));
                ensure(3);
                buf[len++] = '.';
                buf[len++] = (byte) ('0' + cents / 10);
                if (cents % 10 != 0) buf[len++] = (byte) ('0' + cents % 10);
            } else {
                ascii(NumberOutput.toString(p, true));
            }
        }

        byte[] toArray() {
            return java.util.Arrays.copyOf(buf, len);
        }
    }

    /** {@code {"model_version":"<version>","took_ms":<tookMs>} followed by {@code answer}. */
    static Buffer assemble(String version, double tookMs, byte[] answer) {
        Head head = lastHead;
        if (!head.version().equals(version)) {
            head = new Head(version, head(version));
            lastHead = head;
        }
        byte[] took = millis(tookMs);
        Buffer b = Buffer.buffer(head.bytes().length + TOOK_MS.length + took.length + answer.length);
        return b.appendBytes(head.bytes()).appendBytes(TOOK_MS).appendBytes(took).appendBytes(answer);
    }

    /**
     * {@code ms} rounded to the microsecond, as {@code Double.toString} spells the rounded value ({@code 0.0},
     * {@code 0.137}, {@code 12.5}) for 0 to 10^7 ms, with integer arithmetic only. {@code Double.toString}
     * took a different path through its digit generator for each range of values, so the first requests after
     * {@code /health/ready}, faster than the warm-up's, deoptimised and recompiled it on the server's core
     * (docs/bench/warmup.md, run 10).
     */
    static byte[] millis(double ms) {
        long micros = Math.round(ms * 1000);
        if (!(ms >= 0 && micros < 10_000_000_000L)) return Double.toString(micros / 1000.0).getBytes(StandardCharsets.US_ASCII);
        long whole = micros / 1000;
        int fraction = (int) (micros % 1000);
        int digits = fraction % 100 == 0 ? 1 : fraction % 10 == 0 ? 2 : 3; // trailing zeros dropped, at least one digit
        int wholeDigits = 1;
        for (long w = whole; w >= 10; w /= 10) wholeDigits++;
        byte[] out = new byte[wholeDigits + 1 + digits];
        for (int i = wholeDigits - 1; i >= 0; i--, whole /= 10) out[i] = (byte) ('0' + whole % 10);
        out[wholeDigits] = '.';
        for (int i = 0, scale = 100; i < digits; i++, scale /= 10) out[wholeDigits + 1 + i] = (byte) ('0' + fraction / scale % 10);
        return out;
    }

    private static final byte[] RECOMMENDATION_ID = ",\"recommendation_id\":\"".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] HISTORY_USED = "\",\"history_used\":".getBytes(StandardCharsets.US_ASCII);

    /**
     * As {@link #assemble(String, double, byte[])} with {@code ,"recommendation_id":"<id>","history_used":<historyUsed>}
     * after {@code took_ms}. The id is a version (bundle-name characters), '~' and base-36 digits: no escaping needed.
     */
    static Buffer assemble(String version, double tookMs, String recommendationId, byte[] historyUsed, byte[] answer) {
        Head head = lastHead;
        if (!head.version().equals(version)) {
            head = new Head(version, head(version));
            lastHead = head;
        }
        byte[] took = millis(tookMs);
        byte[] id = recommendationId.getBytes(StandardCharsets.US_ASCII);
        Buffer b = Buffer.buffer(head.bytes().length + TOOK_MS.length + took.length + RECOMMENDATION_ID.length + id.length
                + HISTORY_USED.length + historyUsed.length + answer.length);
        return b.appendBytes(head.bytes()).appendBytes(TOOK_MS).appendBytes(took).appendBytes(RECOMMENDATION_ID).appendBytes(id)
                .appendBytes(HISTORY_USED).appendBytes(historyUsed).appendBytes(answer);
    }

    private static byte[] head(String version) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(48);
        try (JsonGenerator g = JSON.createGenerator(out, JsonEncoding.UTF8)) {
            g.writeStartObject();
            g.writeStringField("model_version", Json.wellFormed(version));
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        byte[] bytes = out.toByteArray();
        return java.util.Arrays.copyOf(bytes, bytes.length - 1); // without the closing brace
    }

    static Buffer error(String code, String message) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(64 + (message == null ? 0 : message.length()));
        try (JsonGenerator g = JSON.createGenerator(out, JsonEncoding.UTF8)) {
            g.writeStartObject();
            g.writeStringField("error", Json.wellFormed(code));
            g.writeStringField("message", Json.wellFormed(message == null ? "" : message));
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return Buffer.buffer(out.toByteArray());
    }

    /**
     * A small JSON body (admin, items, events, health) from a Vert.x {@link JsonObject}, written by
     * Jackson's generator with every key and string made well-formed. Vert.x's own encoder would
     * throw on a lone surrogate.
     */
    static Buffer json(JsonObject body) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(256);
        try (JsonGenerator g = JSON.createGenerator(out, JsonEncoding.UTF8)) {
            write(g, body);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return Buffer.buffer(out.toByteArray());
    }

    private static void write(JsonGenerator g, Object v) throws IOException {
        if (v == null) {
            g.writeNull();
        } else if (v instanceof String s) {
            g.writeString(Json.wellFormed(s));
        } else if (v instanceof JsonObject o) {
            writeObject(g, o.getMap());
        } else if (v instanceof java.util.Map<?, ?> m) {
            writeObject(g, m);
        } else if (v instanceof JsonArray a) {
            writeArray(g, a.getList());
        } else if (v instanceof java.util.List<?> l) {
            writeArray(g, l);
        } else if (v instanceof Boolean b) {
            g.writeBoolean(b);
        } else if (v instanceof Integer || v instanceof Long || v instanceof Short || v instanceof Byte) {
            g.writeNumber(((Number) v).longValue());
        } else if (v instanceof java.math.BigInteger b) {
            g.writeNumber(b);
        } else if (v instanceof java.math.BigDecimal b) {
            g.writeNumber(b);
        } else if (v instanceof Number n) {
            double d = n.doubleValue();
            if (Double.isFinite(d)) {
                if (v instanceof Float f) g.writeNumber(f); else g.writeNumber(d);
            } else {
                g.writeNull(); // NaN and the infinities are not JSON
            }
        } else {
            g.writeString(Json.wellFormed(String.valueOf(v))); // Instant, enums and the like: their text
        }
    }

    private static void writeObject(JsonGenerator g, java.util.Map<?, ?> map) throws IOException {
        g.writeStartObject();
        for (java.util.Map.Entry<?, ?> e : map.entrySet()) {
            g.writeFieldName(Json.wellFormed(String.valueOf(e.getKey())));
            write(g, e.getValue());
        }
        g.writeEndObject();
    }

    private static void writeArray(JsonGenerator g, java.util.List<?> list) throws IOException {
        g.writeStartArray();
        for (Object o : list) write(g, o);
        g.writeEndArray();
    }
}
