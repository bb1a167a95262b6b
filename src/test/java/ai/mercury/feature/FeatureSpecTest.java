package ai.mercury.feature;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.mercury.core.Json;
import ai.mercury.core.TowerInput;
import ai.mercury.feature.FeatureSpec.CategorySpec;
import ai.mercury.feature.FeatureSpec.ContextField;
import ai.mercury.feature.FeatureSpec.HistorySpec;
import ai.mercury.feature.FeatureSpec.ItemSpec;
import ai.mercury.feature.FeatureSpec.PriceTransform;
import ai.mercury.feature.FeatureSpec.QuerySpec;
import ai.mercury.feature.FeatureSpec.TimeSpec;
import java.util.List;
import org.junit.jupiter.api.Test;

class FeatureSpecTest {
    private static final PriceTransform PRICE = new PriceTransform("log1p_standardize", 1.25, 0.5);

    private static FeatureSpec spec(QuerySpec query, CategorySpec category) {
        return new FeatureSpec(List.of(new ContextField("country", List.of("UK", "France")), new ContextField("device", List.of("mobile"))),
                new TimeSpec(List.of("hour_sin", "hour_cos")), new HistorySpec(5, "mean"), query, new ItemSpec(PRICE, category));
    }

    @Test
    void userInputs_contextThenTimeHistoryHasHistoryThenQuery() {
        assertEquals(List.of(new TowerInput("ctx_country", 3), new TowerInput("ctx_device", 2), new TowerInput("time", 2),
                        new TowerInput("history", 8), new TowerInput("has_history", 1)),
                spec(null, null).userInputs(8, 384));
        assertEquals(List.of(new TowerInput("ctx_country", 3), new TowerInput("ctx_device", 2), new TowerInput("time", 2),
                        new TowerInput("history", 8), new TowerInput("has_history", 1), new TowerInput("query", 384),
                        new TowerInput("has_query", 1)),
                spec(new QuerySpec(true), null).userInputs(8, 384));
    }

    @Test
    void itemInputs_textPriceAndCategoryOnlyWhenPresent() {
        assertEquals(List.of(new TowerInput("text_embedding", 384), new TowerInput("price", 1)), spec(null, null).itemInputs(384));
        assertEquals(List.of(new TowerInput("text_embedding", 384), new TowerInput("price", 1), new TowerInput("category", 4)),
                spec(null, new CategorySpec(List.of("bags", "home", "kitchen"))).itemInputs(384));
    }

    @Test
    void priceTransform_isStandardisedLog1p_negativeClampedToZero() {
        assertEquals((float) ((Math.log1p(9.99) - 1.25) / 0.5), PRICE.apply(9.99));
        assertEquals((float) ((0 - 1.25) / 0.5), PRICE.apply(0));
        assertEquals(PRICE.apply(0), PRICE.apply(-3));
    }

    @Test
    void json_roundTripsThroughTheManifestMapper() throws Exception {
        FeatureSpec spec = spec(new QuerySpec(true), new CategorySpec(List.of("bags", "home")));
        String json = Json.MAPPER.writeValueAsString(spec);
        assertTrue(json.contains("\"vocabulary\""), json);
        assertFalse(json.contains("input_name"), "derived values are not written: " + json);
        assertEquals(spec, Json.MAPPER.readValue(json, FeatureSpec.class));
    }

    @Test
    void json_absentPoolingDefaultsToMean_absentQueryAndCategoryAreNull() throws Exception {
        String json = "{\"context\": [], \"time\": {\"features\": []}, \"history\": {\"cap\": 3},"
                + " \"item\": {\"price\": {\"transform\": \"log1p_standardize\", \"mean\": 0, \"std\": 1}}}";
        FeatureSpec spec = Json.MAPPER.readValue(json, FeatureSpec.class);
        assertEquals("mean", spec.history().pooling());
        assertFalse(spec.queryEnabled());
        assertEquals(List.of(new TowerInput("time", 1), new TowerInput("history", 4), new TowerInput("has_history", 1)),
                spec.userInputs(4, 16));
        assertEquals(2, spec.itemInputs(16).size());
    }

    @Test
    void constructor_invalidParts_areRejectedNamingTheKey() {
        assertMessage("duplicate field country", () -> new FeatureSpec(
                List.of(new ContextField("country", List.of()), new ContextField("country", List.of())),
                new TimeSpec(List.of()), new HistorySpec(1, "mean"), null, new ItemSpec(PRICE, null)));
        assertMessage("field name", () -> new ContextField("Country", List.of()));
        assertMessage("unknown feature minute_sin", () -> new TimeSpec(List.of("minute_sin")));
        assertMessage("cap", () -> new HistorySpec(0, "mean"));
        assertMessage("pooling", () -> new HistorySpec(3, "max"));
        assertMessage("transform", () -> new PriceTransform("log", 0, 1));
        assertMessage("std", () -> new PriceTransform("log1p_standardize", 0, 0));
    }

    private static void assertMessage(String fragment, org.junit.jupiter.api.function.Executable e) {
        IllegalArgumentException ex = assertThrows(IllegalArgumentException.class, e);
        assertTrue(ex.getMessage().contains(fragment), ex.getMessage());
    }
}
