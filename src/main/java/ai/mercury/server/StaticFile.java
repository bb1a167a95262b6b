package ai.mercury.server;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.RoutingContext;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * One file served from memory with a strong {@code ETag} (a hash of its bytes) and a
 * {@code Cache-Control}; a request whose {@code If-None-Match} names the ETag gets 304 without a
 * body. Immutable and thread-safe: every event loop may serve the same instance.
 */
final class StaticFile {
    /** Pages and documents that must show a new deployment at once: browsers revalidate (cheap with the ETag). */
    static final String REVALIDATE = "no-cache";
    /** Assets: an hour without asking, then revalidated. */
    static final String ASSET = "public, max-age=3600";

    private final Buffer body;
    private final String contentType;
    private final String etag;
    private final String cacheControl;

    StaticFile(byte[] bytes, String contentType, String cacheControl) {
        this.body = Buffer.buffer(bytes);
        this.contentType = contentType;
        this.cacheControl = cacheControl;
        this.etag = "\"" + HexFormat.of().formatHex(sha256(bytes), 0, 12) + "\"";
    }

    /** The class-path resource {@code path}; fails loudly at start when it is missing (a packaging bug). */
    static StaticFile resource(String path, String contentType, String cacheControl) {
        try (InputStream in = StaticFile.class.getClassLoader().getResourceAsStream(path)) {
            if (in == null) throw new IllegalStateException("resource " + path + " is missing from the class path");
            return new StaticFile(in.readAllBytes(), contentType, cacheControl);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read resource " + path, e);
        }
    }

    String etag() {
        return etag;
    }

    int length() {
        return body.length();
    }

    void serve(RoutingContext ctx) {
        var response = ctx.response().putHeader(HttpHeaders.ETAG, etag).putHeader(HttpHeaders.CACHE_CONTROL, cacheControl);
        if (matches(ctx.request().getHeader(HttpHeaders.IF_NONE_MATCH))) {
            response.setStatusCode(304).end();
            return;
        }
        response.setStatusCode(200).putHeader(HttpHeaders.CONTENT_TYPE, contentType).end(body);
    }

    /** Whether an {@code If-None-Match} value names this file's ETag ({@code *}, a list, weak or strong). */
    private boolean matches(String ifNoneMatch) {
        if (ifNoneMatch == null) return false;
        for (String tag : ifNoneMatch.split(",")) {
            String t = tag.trim();
            if (t.startsWith("W/")) t = t.substring(2);
            if (t.equals("*") || t.equals(etag)) return true;
        }
        return false;
    }

    private static byte[] sha256(byte[] bytes) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(bytes);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
