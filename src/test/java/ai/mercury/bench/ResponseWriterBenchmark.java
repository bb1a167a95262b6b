package ai.mercury.bench;

import ai.mercury.core.CatalogItem;
import ai.mercury.model.Recommendation;
import ai.mercury.model.Recommendation.ScoredItem;
import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.vertx.core.buffer.Buffer;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The 100-item {@code /recommend} body: {@code baseline} is the writer as it was before issue 7's
 * tuning (Jackson's default number formatting, copied here verbatim so both run side by side),
 * {@code jacksonFast} is the same generator with Jackson's fast (Schubfach) float writer, and
 * {@code current} is {@code ResponseWriter.recommendation} (the answer written by hand into a
 * byte array with Schubfach numbers, the head separately). Setup checks that both bodies parse to the same JSON.
 * Results in docs/bench/hot-path.md.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
public class ResponseWriterBenchmark {
    private static final JsonFactory JSON = new JsonFactory();
    Recommendation r;

    @Setup
    public void setUp() {
        Random rnd = new Random(7);
        List<ScoredItem> items = new ArrayList<>();
        String[] words = {"REGENCY", "CAKESTAND", "3", "TIER", "LUNCH", "BAG", "RED", "RETROSPOT", "JUMBO", "WHITE", "HANGING", "HEART", "T-LIGHT", "HOLDER"};
        float score = 0.8f;
        for (int i = 0; i < 100; i++) {
            StringBuilder title = new StringBuilder();
            for (int w = 0, n = 3 + rnd.nextInt(4); w < n; w++) title.append(w > 0 ? " " : "").append(words[rnd.nextInt(words.length)]);
            double price = Math.round(Math.exp(rnd.nextGaussian() * 0.7 + 1) * 100) / 100.0;
            items.add(new ScoredItem(new CatalogItem(String.valueOf(20000 + rnd.nextInt(70000)), title.toString(), price, null), score));
            score -= rnd.nextFloat() * 0.004f;
        }
        r = new Recommendation("20261126T102651Z", items, List.of(), 0, 0, 0, "exact");
        io.vertx.core.json.JsonObject a = new io.vertx.core.json.JsonObject(baseline()).put("took_ms", 0);
        io.vertx.core.json.JsonObject b = new io.vertx.core.json.JsonObject(current()).put("took_ms", 0);
        io.vertx.core.json.JsonObject c = new io.vertx.core.json.JsonObject(jacksonFast()).put("took_ms", 0);
        if (!a.equals(b) || !a.equals(c)) throw new IllegalStateException("the writers disagree:\n" + a + "\n" + b + "\n" + c);
    }

    @Benchmark
    public Buffer baseline() {
        return write(JSON);
    }

    private Buffer write(JsonFactory json) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(256 + r.items().size() * 120);
        try (JsonGenerator g = json.createGenerator(out, JsonEncoding.UTF8)) {
            g.writeStartObject();
            g.writeStringField("model_version", r.modelVersion());
            g.writeNumberField("took_ms", Math.round(1.234567 * 1000) / 1000.0);
            g.writeArrayFieldStart("items");
            for (ScoredItem s : r.items()) {
                CatalogItem item = s.item();
                g.writeStartObject();
                g.writeStringField("item_id", item.itemId());
                g.writeNumberField("score", s.score());
                g.writeStringField("title", item.title());
                g.writeNumberField("price", item.price());
                if (item.category() != null) g.writeStringField("category", item.category());
                g.writeBooleanField("in_stock", item.inStock());
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeArrayFieldStart("unknown_history");
            for (String id : r.unknownHistory()) g.writeString(id);
            g.writeEndArray();
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return Buffer.buffer(out.toByteArray());
    }

    private static final JsonFactory FAST = JsonFactory.builder()
            .enable(com.fasterxml.jackson.core.StreamWriteFeature.USE_FAST_DOUBLE_WRITER).build();

    @Benchmark
    public Buffer jacksonFast() {
        return write(FAST);
    }

    @Benchmark
    public Buffer current() {
        return ServingInternals.write(r, 1.234567);
    }
}
