package ai.mercury.feature;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.mercury.core.TowerInput;
import ai.mercury.feature.FeatureEncoder.EncodedUser;
import ai.mercury.feature.FeatureSpec.ContextField;
import ai.mercury.index.Vectors;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.ToIntFunction;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class FeatureEncoderTest {
    private static final Instant NOON = Instant.parse("2026-03-10T12:00:00Z");
    /** Item i's vector is (i, 10 i, 100) so means are easy to compute by hand. */
    private static final Vectors ITEM_VECTORS = Vectors.ofRows(new float[][] {
        {0, 0, 100}, {1, 10, 100}, {2, 20, 100}, {3, 30, 100}, {4, 40, 100}});
    private static final Map<String, Integer> ORDINALS = Map.of("i0", 0, "i1", 1, "i2", 2, "i3", 3, "i4", 4);
    private static final ToIntFunction<String> ORDINAL_OF = id -> ORDINALS.getOrDefault(id, -1);

    private static FeatureSpec spec(int cap, FeatureSpec.QuerySpec query) {
        return new FeatureSpec(
                List.of(new ContextField("country", List.of("United Kingdom", "France", "Germany")),
                        new ContextField("device", List.of("desktop", "mobile"))),
                new FeatureSpec.TimeSpec(TimeFeatures.ALL),
                new FeatureSpec.HistorySpec(cap, "mean"),
                query,
                new FeatureSpec.ItemSpec(new FeatureSpec.PriceTransform("log1p_standardize", 1.0, 0.5), null));
    }

    private static final FeatureEncoder ENCODER = new FeatureEncoder(spec(3, null), ITEM_VECTORS, null);

    private static EncodedUser encode(Map<String, String> context, List<String> history) {
        return ENCODER.encode(new UserContext(context, NOON, history, null), ORDINAL_OF);
    }

    @Test
    void encode_inputs_followTheSpecsNamesOrderAndWidths() {
        EncodedUser u = encode(Map.of("country", "France", "device", "mobile"), List.of("i1"));
        List<TowerInput> expected = List.of(new TowerInput("ctx_country", 4), new TowerInput("ctx_device", 3),
                new TowerInput("time", 6), new TowerInput("history", 3), new TowerInput("has_history", 1));
        assertEquals(expected, ENCODER.userInputs());
        assertEquals(expected, ENCODER.spec().userInputs(3, 0));
        List<TowerInput> actual = new ArrayList<>();
        u.inputs().forEach((name, row) -> actual.add(new TowerInput(name, row.length)));
        assertEquals(expected, actual);
    }

    @Test
    void encode_knownCountry_setsItsSlotAfterOov() {
        EncodedUser u = encode(Map.of("country", "Germany", "device", "desktop"), List.of());
        assertArrayEquals(new float[] {0, 0, 0, 1}, u.inputs().get("ctx_country"));
        assertArrayEquals(new float[] {0, 1, 0}, u.inputs().get("ctx_device"));
    }

    @Test
    void encode_unknownCountry_usesOovSlot0() {
        EncodedUser u = encode(Map.of("country", "Narnia", "device", "mobile"), List.of());
        assertArrayEquals(new float[] {1, 0, 0, 0}, u.inputs().get("ctx_country"));
        assertArrayEquals(new float[] {0, 0, 1}, u.inputs().get("ctx_device"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"france", "FRANCE", " France ", "\tfRaNcE\n"})
    void encode_countryInOtherCaseOrPadded_matchesVocabulary(String country) {
        EncodedUser u = encode(Map.of("country", country), List.of());
        assertArrayEquals(new float[] {0, 0, 1, 0}, u.inputs().get("ctx_country"));
    }

    @Test
    void encode_countryWithInnerSpacesChanged_isOov() {
        EncodedUser u = encode(Map.of("country", "United  Kingdom"), List.of());
        assertArrayEquals(new float[] {1, 0, 0, 0}, u.inputs().get("ctx_country"));
    }

    @Test
    void encode_contextFieldTheModelDoesNotUse_isIgnored() {
        EncodedUser with = encode(Map.of("country", "France", "device", "mobile", "browser", "firefox"), List.of());
        EncodedUser without = encode(Map.of("country", "France", "device", "mobile"), List.of());
        assertEquals(List.copyOf(without.inputs().keySet()), List.copyOf(with.inputs().keySet()));
        with.inputs().forEach((name, row) -> assertArrayEquals(without.inputs().get(name), row, name));
    }

    @Test
    void encode_missingContextValue_usesOov() {
        EncodedUser u = encode(Map.of("country", "France"), List.of());
        assertArrayEquals(new float[] {1, 0, 0}, u.inputs().get("ctx_device"));
        u = encode(Map.of(), List.of());
        assertArrayEquals(new float[] {1, 0, 0, 0}, u.inputs().get("ctx_country"));
        assertArrayEquals(new float[] {1, 0, 0}, u.inputs().get("ctx_device"));
    }

    @Test
    void encode_emptyVocabulary_givesWidthOneAlwaysOov() {
        FeatureSpec s = new FeatureSpec(List.of(new ContextField("region", List.of())), new FeatureSpec.TimeSpec(List.of()),
                new FeatureSpec.HistorySpec(1, null), null,
                new FeatureSpec.ItemSpec(new FeatureSpec.PriceTransform("log1p_standardize", 0, 1), null));
        FeatureEncoder e = new FeatureEncoder(s, ITEM_VECTORS, null);
        EncodedUser u = e.encode(new UserContext(Map.of("region", "north"), NOON, List.of(), null), ORDINAL_OF);
        assertArrayEquals(new float[] {1}, u.inputs().get("ctx_region"));
        // no time features: the time input is one constant zero
        assertArrayEquals(new float[] {0}, u.inputs().get("time"));
        assertEquals(new TowerInput("time", 1), e.userInputs().get(1));
    }

    @ParameterizedTest(name = "{0} -> hour ({1}, {2})")
    @CsvSource({
        "2026-03-10T00:00:00Z, 0, 1",
        "2026-03-10T06:00:00Z, 1, 0",
        "2026-03-10T12:00:00Z, 0, -1",
        "2026-03-10T18:00:00Z, -1, 0",
        "2026-03-10T03:00:00Z, 0.70710678, 0.70710678",
    })
    void encode_hourOfDay_isSinCosOfUtcHourFraction(String timestamp, double sin, double cos) {
        float[] time = timeOf(Instant.parse(timestamp));
        assertEquals(sin, time[0], 1e-6, "hour_sin");
        assertEquals(cos, time[1], 1e-6, "hour_cos");
    }

    @Test
    void encode_dayOfWeekAndYear_followTheDocumentedFormulas() {
        // 2026-01-05 is a Monday: Monday 00:00 is phase 0 of the week, 1 January 00:00 phase 0 of the year.
        float[] monday = timeOf(Instant.parse("2026-01-05T00:00:00Z"));
        assertEquals(0, monday[2], 1e-6, "dow_sin");
        assertEquals(1, monday[3], 1e-6, "dow_cos");
        float[] newYear = timeOf(Instant.parse("2026-01-01T00:00:00Z"));
        assertEquals(0, newYear[4], 1e-6, "doy_sin");
        assertEquals(1, newYear[5], 1e-6, "doy_cos");
        // Thursday 2026-01-08 18:00: (3 + 0.75) / 7 of the week; day 8 at 18:00: (7 + 0.75) / 365.25 of the year.
        float[] t = timeOf(Instant.parse("2026-01-08T18:00:00Z"));
        double dow = 2 * Math.PI * 3.75 / 7;
        double doy = 2 * Math.PI * 7.75 / 365.25;
        assertEquals(Math.sin(dow), t[2], 1e-6);
        assertEquals(Math.cos(dow), t[3], 1e-6);
        assertEquals(Math.sin(doy), t[4], 1e-6);
        assertEquals(Math.cos(doy), t[5], 1e-6);
    }

    @Test
    void encode_timeFeatures_followTheSpecsListOrder() {
        FeatureSpec s = new FeatureSpec(List.of(), new FeatureSpec.TimeSpec(List.of("hour_cos", "hour_sin")),
                new FeatureSpec.HistorySpec(1, "mean"), null,
                new FeatureSpec.ItemSpec(new FeatureSpec.PriceTransform("log1p_standardize", 0, 1), null));
        FeatureEncoder e = new FeatureEncoder(s, ITEM_VECTORS, null);
        float[] time = e.encode(new UserContext(Map.of(), Instant.parse("2026-03-10T06:00:00Z"), List.of(), null), ORDINAL_OF)
                .inputs().get("time");
        assertEquals(2, time.length);
        assertEquals(0, time[0], 1e-6, "hour_cos first");
        assertEquals(1, time[1], 1e-6, "hour_sin second");
    }

    @Test
    void encode_sameInstantWithDifferentOffsets_encodesEqually() {
        Instant utc = OffsetDateTime.parse("2026-03-09T16:00:00Z").toInstant();
        Instant tokyo = OffsetDateTime.parse("2026-03-10T01:00:00+09:00").toInstant();
        Instant newYork = OffsetDateTime.parse("2026-03-09T12:00:00-04:00").toInstant();
        assertArrayEquals(timeOf(utc), timeOf(tokyo));
        assertArrayEquals(timeOf(utc), timeOf(newYork));
        // and it is the UTC wall clock that counts, not the local one
        assertNotEquals(timeOf(Instant.parse("2026-03-10T01:00:00Z"))[0], timeOf(tokyo)[0]);
    }

    @Test
    void encode_history_isMeanOfKnownItemsVectors() {
        EncodedUser u = encode(Map.of(), List.of("i1", "i3"));
        assertArrayEquals(new float[] {2, 20, 100}, u.inputs().get("history"), 1e-6f);
        assertArrayEquals(new float[] {1}, u.inputs().get("has_history"));
        assertEquals(2, u.pooledHistory());
        assertEquals(List.of(), u.unknownHistory());
    }

    @Test
    void encode_unknownHistoryIds_areReportedInOrderAndSkipped() {
        EncodedUser u = encode(Map.of(), List.of("zz", "i2", "aa", "i4", "zz"));
        assertEquals(List.of("zz", "aa", "zz"), u.unknownHistory());
        assertArrayEquals(new float[] {3, 30, 100}, u.inputs().get("history"), 1e-6f);
        assertEquals(2, u.pooledHistory());
    }

    @Test
    void encode_historyLongerThanCap_poolsOnlyTheFirstCapKnownItems() {
        // cap 3; the unknown id does not use up a slot, items after the cap are not pooled
        EncodedUser u = encode(Map.of(), List.of("i4", "nope", "i2", "i0", "i1", "i3"));
        assertEquals(3, u.pooledHistory());
        assertArrayEquals(new float[] {2, 20, 100}, u.inputs().get("history"), 1e-6f);
        assertEquals(List.of("nope"), u.unknownHistory());
    }

    @Test
    void encode_unknownIdAfterTheCap_isStillReported() {
        EncodedUser u = encode(Map.of(), List.of("i0", "i1", "i2", "i3", "late"));
        assertEquals(3, u.pooledHistory());
        assertEquals(List.of("late"), u.unknownHistory());
    }

    @Test
    void encode_noKnownHistory_givesZeroVectorAndHasHistory0() {
        for (List<String> history : List.of(List.<String>of(), List.of("x", "y"))) {
            EncodedUser u = encode(Map.of(), history);
            assertArrayEquals(new float[3], u.inputs().get("history"));
            assertArrayEquals(new float[] {0}, u.inputs().get("has_history"));
            assertEquals(0, u.pooledHistory());
        }
    }

    @Test
    void encode_ordinalOutOfRange_isTreatedAsUnknown() {
        EncodedUser u = ENCODER.encode(new UserContext(Map.of(), NOON, List.of("ghost"), null), id -> 99);
        assertEquals(List.of("ghost"), u.unknownHistory());
        assertArrayEquals(new float[] {0}, u.inputs().get("has_history"));
    }

    @Test
    void batch_stacksRowsInputByInput() {
        EncodedUser a = encode(Map.of("country", "France"), List.of("i1"));
        EncodedUser b = encode(Map.of("country", "Narnia"), List.of());
        Map<String, float[][]> batch = FeatureEncoder.batch(List.of(a.inputs(), b.inputs()));
        assertEquals(List.copyOf(a.inputs().keySet()), List.copyOf(batch.keySet()));
        for (String name : a.inputs().keySet()) {
            assertEquals(2, batch.get(name).length, name);
            assertSame(a.inputs().get(name), batch.get(name)[0]);
            assertSame(b.inputs().get(name), batch.get(name)[1]);
        }
        assertTrue(FeatureEncoder.batch(List.of()).isEmpty());
    }

    @Test
    void constructor_querySpecEnabledWithoutTextEncoder_throws() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new FeatureEncoder(spec(3, new FeatureSpec.QuerySpec(true)), ITEM_VECTORS, null));
        assertTrue(e.getMessage().contains("text encoder"), e.getMessage());
    }

    @Test
    void encode_queryEnabled_fillsQueryAndHasQuery() {
        HashingTextEncoder text = new HashingTextEncoder(8);
        FeatureEncoder e = new FeatureEncoder(spec(3, new FeatureSpec.QuerySpec(true)), ITEM_VECTORS, text);
        List<TowerInput> inputs = e.userInputs();
        assertEquals(new TowerInput("query", 8), inputs.get(inputs.size() - 2));
        assertEquals(new TowerInput("has_query", 1), inputs.get(inputs.size() - 1));

        EncodedUser withQuery = e.encode(new UserContext(Map.of(), NOON, List.of(), "red lunch bag"), ORDINAL_OF);
        assertArrayEquals(text.embed("red lunch bag"), withQuery.inputs().get("query"));
        assertArrayEquals(new float[] {1}, withQuery.inputs().get("has_query"));
        assertEquals(List.of("ctx_country", "ctx_device", "time", "history", "has_history", "query", "has_query"),
                List.copyOf(withQuery.inputs().keySet()));

        for (String none : new String[] {null, "", "   "}) {
            EncodedUser u = e.encode(new UserContext(Map.of(), NOON, List.of(), none), ORDINAL_OF);
            assertArrayEquals(new float[8], u.inputs().get("query"), "query " + none);
            assertArrayEquals(new float[] {0}, u.inputs().get("has_query"), "query " + none);
        }
    }

    @Test
    void encode_queryDisabled_hasNoQueryInputsEvenWithTextEncoder() {
        FeatureEncoder e = new FeatureEncoder(spec(3, new FeatureSpec.QuerySpec(false)), ITEM_VECTORS, new HashingTextEncoder(8));
        EncodedUser u = e.encode(new UserContext(Map.of(), NOON, List.of(), "red lunch bag"), ORDINAL_OF);
        assertEquals(List.of("ctx_country", "ctx_device", "time", "history", "has_history"), List.copyOf(u.inputs().keySet()));
    }

    private static float[] timeOf(Instant t) {
        return ENCODER.encode(new UserContext(Map.of(), t, List.of(), null), ORDINAL_OF).inputs().get("time");
    }
}
