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
 * body. Text files of 1 kB and more are also kept gzip-compressed (once, at start) and sent so to
 * clients that accept gzip, with their own ETag: the event loop never compresses a large asset per
 * request. Immutable and thread-safe: every event loop may serve the same instance.
 */
final class StaticFile {
    /** Pages and documents that must show a new deployment at once: browsers revalidate (cheap with the ETag). */
    static final String REVALIDATE = "no-cache";
    /** Assets: an hour without asking, then revalidated. */
    static final String ASSET = "public, max-age=3600";

    private static final int GZIP_FROM_BYTES = 1024;

    private final Buffer body;
    /** The gzip-compressed body, or null for small and binary files. */
    private final Buffer gzipped;
    private final String gzipEtag;
    private final String contentType;
    private final String etag;
    private final String cacheControl;

    StaticFile(byte[] bytes, String contentType, String cacheControl) {
        this.body = Buffer.buffer(bytes);
        this.contentType = contentType;
        this.cacheControl = cacheControl;
        String hash = HexFormat.of().formatHex(sha256(bytes), 0, 12);
        this.etag = "\"" + hash + "\"";
        boolean text = !contentType.startsWith("image/");
        this.gzipped = text && bytes.length >= GZIP_FROM_BYTES ? Buffer.buffer(gzip(bytes)) : null;
        this.gzipEtag = "\"" + hash + "-gz\"";
    }

    private static byte[] gzip(byte[] bytes) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream(bytes.length / 3);
        try (java.util.zip.GZIPOutputStream gz = new java.util.zip.GZIPOutputStream(out) {{ def.setLevel(java.util.zip.Deflater.BEST_COMPRESSION); }}) {
            gz.write(bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
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
        boolean gz = gzipped != null && acceptsGzip(ctx.request().getHeader(HttpHeaders.ACCEPT_ENCODING));
        String tag = gz ? gzipEtag : etag;
        var response = ctx.response().putHeader(HttpHeaders.ETAG, tag).putHeader(HttpHeaders.CACHE_CONTROL, cacheControl);
        if (gzipped != null) response.putHeader(HttpHeaders.VARY, HttpHeaders.ACCEPT_ENCODING);
        if (matches(ctx.request().getHeader(HttpHeaders.IF_NONE_MATCH), tag)) {
            response.setStatusCode(304).end();
            return;
        }
        response.setStatusCode(200).putHeader(HttpHeaders.CONTENT_TYPE, contentType);
        if (gz) response.putHeader(HttpHeaders.CONTENT_ENCODING, "gzip"); // the server's compressor leaves encoded bodies alone
        response.end(gz ? gzipped : body);
    }

    private static boolean acceptsGzip(String acceptEncoding) {
        if (acceptEncoding == null) return false;
        for (String part : acceptEncoding.split(",")) {
            String[] p = part.trim().split(";", 2);
            if (p[0].trim().equalsIgnoreCase("gzip")) return p.length == 1 || !p[1].replace(" ", "").matches("q=0(\\.0*)?");
        }
        return false;
    }

    /** Whether an {@code If-None-Match} value names this file's ETag ({@code *}, a list, weak or strong). */
    private static boolean matches(String ifNoneMatch, String etag) {
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
