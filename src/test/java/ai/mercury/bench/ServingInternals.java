package ai.mercury.bench;

import ai.mercury.model.RecommendQuery;
import ai.mercury.model.Recommendation;
import ai.mercury.config.MercuryConfig;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.time.Instant;

/**
 * Reaches the server's package-private edge code ({@code RequestParser.parse},
 * {@code ResponseWriter.recommendation}) so the event-loop share of {@code /recommend} can be
 * measured on the real code rather than a copy. Method handles in static finals: after JIT the
 * call costs what a direct call costs.
 */
final class ServingInternals {
    private static final MethodHandle NEW_PARSER;
    private static final MethodHandle PARSE;
    private static final MethodHandle WRITE;

    static {
        try {
            MethodHandles.Lookup self = MethodHandles.lookup();
            Class<?> parser = Class.forName("ai.mercury.server.RequestParser");
            Class<?> writer = Class.forName("ai.mercury.server.ResponseWriter");
            MethodHandles.Lookup p = MethodHandles.privateLookupIn(parser, self);
            MethodHandles.Lookup w = MethodHandles.privateLookupIn(writer, self);
            NEW_PARSER = p.findConstructor(parser, MethodType.methodType(void.class, MercuryConfig.class))
                    .asType(MethodType.methodType(Object.class, MercuryConfig.class));
            PARSE = p.findVirtual(parser, "parse", MethodType.methodType(RecommendQuery.class, JsonObject.class, Instant.class))
                    .asType(MethodType.methodType(RecommendQuery.class, Object.class, JsonObject.class, Instant.class));
            WRITE = w.findStatic(writer, "recommendation", MethodType.methodType(Buffer.class, Recommendation.class, double.class));
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private ServingInternals() {}

    /** A {@code RequestParser} for {@code config}, as an opaque object for {@link #parse}. */
    static Object parser(MercuryConfig config) {
        try {
            return NEW_PARSER.invokeExact(config);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /** What HttpVerticle does with a body: decode the JSON object, then validate it into a query. */
    static RecommendQuery parse(Object parser, Buffer body, Instant now) {
        try {
            return (RecommendQuery) PARSE.invokeExact(parser, body.toJsonObject(), now);
        } catch (RuntimeException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /** The 200 body HttpVerticle sends. */
    static Buffer write(Recommendation r, double tookMs) {
        try {
            return (Buffer) WRITE.invokeExact(r, tookMs);
        } catch (RuntimeException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }
}
