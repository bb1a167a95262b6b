package ai.mercury.bundle;

import ai.mercury.bundle.HybridBlend.Weights;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class HybridRankerTest {
    /** Every item its own axis: no item is a variant of another. */
    static final HybridRanker.ItemVectors ONE_HOT = vectors(IntStream.range(0, 400).mapToObj(i -> {
        float[] v = new float[400];
        v[i] = 1;
        return v;
    }).toArray(float[][]::new));

    static HybridRanker.ItemVectors vectors(float[][] rows) {
        return HybridRanker.ItemVectors.of(rows);
    }

    /** Items 0..9; 0 and 1 always bought together, 2 alone in many baskets (popular), 9 never (no data yet). */
    static HybridSignals signals() {
        List<int[]> baskets = new ArrayList<>();
        List<String> values = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            baskets.add(new int[] {0, 1});
            values.add("FR");
        }
        for (int i = 0; i < 30; i++) {
            baskets.add(new int[] {2, 2, 3});
            values.add(i < 20 ? "DE" : "FR");
        }
        for (int i = 0; i < 5; i++) {
            baskets.add(new int[] {4, 5, 6, 7, 8});
            values.add(null);
        }
        return HybridSignals.count(10, baskets, values, "country", 4);
    }

    @Test
    void counts_neighboursSelfFirst_popularityByValue() {
        HybridSignals s = signals();
        assertEquals(0, s.neighbour(0, 0), "the item itself first (its own basket count)");
        assertEquals(20f, s.neighbourCount(0, 0));
        assertEquals(1, s.neighbour(0, 1));
        assertEquals(20f, s.neighbourCount(0, 1));
        assertEquals(-1, s.neighbour(0, 2), "no third neighbour");
        assertEquals(30f, s.count(2), "duplicates in a basket count once");
        assertEquals(0f, s.count(9));
        assertTrue(s.valueIndex("FR") >= 0 && s.valueIndex("DE") >= 0, "both values have >= 10 baskets");
        assertEquals(-1, s.valueIndex("XX"));
        assertEquals(20f, s.valueCount(2, s.valueIndex("DE")));
        assertEquals(2, s.popular(s.valueIndex("DE"))[0]);
        assertEquals(2, s.popular(-1)[0]);
    }

    @Test
    void roundTrip_throughTheBundleFiles(@TempDir Path dir) throws Exception {
        HybridSignals s = signals();
        s.write(dir);
        HybridSignals r = HybridSignals.read(dir, s.describe(), 10);
        for (int row = 0; row < 10; row++) {
            assertEquals(s.count(row), r.count(row));
            for (int j = 0; j < 4; j++) {
                assertEquals(s.neighbour(row, j), r.neighbour(row, j));
                assertEquals(s.neighbourCount(row, j), r.neighbourCount(row, j));
            }
            for (String v : new String[] {"FR", "DE", "XX"}) {
                assertEquals(s.popularity(row, s.valueIndex(v)), r.popularity(row, r.valueIndex(v)), 1e-6);
            }
        }
        assertArrayEquals(s.popular(0), r.popular(0));
    }

    @Test
    void textNeighbours_roundTripThroughTheBundleFiles_andMatchAFullCosineSort(@TempDir Path dir) throws Exception {
        Random random = new Random(5);
        float[][] titles = new float[10][6];
        for (float[] t : titles) for (int d = 0; d < t.length; d++) t[d] = (float) random.nextGaussian();
        titles[7] = new float[6]; // no text: no list, nobody's neighbour
        HybridSignals s = signals().withText(TextNeighbours.of(titles, 4));
        s.write(dir);
        assertTrue(s.files().contains(HybridSignals.TEXT_NEIGHBOURS));
        HybridSignals r = HybridSignals.read(dir, s.describe(), 10);
        assertEquals(4, r.textNeighbours());
        for (int row = 0; row < 10; row++) {
            int fr = row;
            int[] expected = IntStream.range(0, 10).filter(o -> o != 7 && fr != 7 && cos(titles[fr], titles[o]) > 0).boxed()
                    .sorted(Comparator.<Integer>comparingDouble(o -> -cos(titles[fr], titles[o]))).limit(4).mapToInt(Integer::intValue).toArray();
            for (int j = 0; j < 4; j++) {
                assertEquals(j < expected.length ? expected[j] : -1, r.textNeighbour(row, j), "row " + row + " neighbour " + j);
                if (j < expected.length) assertEquals(cos(titles[row], titles[expected[j]]), r.textSimilarity(row, j), 1e-4);
                assertEquals(s.textSimilarity(row, j), r.textSimilarity(row, j));
            }
        }
        assertEquals(0, r.textNeighbour(0, 0), "an item is its own nearest title");
    }

    private static double cos(float[] a, float[] b) {
        double ab = 0, aa = 0, bb = 0;
        for (int d = 0; d < a.length; d++) {
            ab += a[d] * b[d];
            aa += a[d] * a[d];
            bb += b[d] * b[d];
        }
        return aa == 0 || bb == 0 ? 0 : ab / Math.sqrt(aa * bb);
    }

    @Test
    void textNeighbours_bringANeverBoughtItemIn_andTheTitleWeightRaisesIt() {
        // Item 9 was never bought; its title is the history item's (0) twin.
        float[][] titles = new float[10][4];
        for (int i = 0; i < 10; i++) titles[i][i % 4] = 1;
        titles[9] = new float[] {1, 0.1f, 0, 0};
        titles[4] = new float[] {0, 1, 0, 0.2f};
        titles[8] = new float[] {0, 0, 0, 1};
        HybridSignals sig = signals().withText(TextNeighbours.of(titles, 3));
        assertEquals(0f, sig.count(9));
        int[] modelOrd = {1, 2, 3};
        float[] modelScore = {0.9f, 0.8f, 0.7f};
        float[] all = {0.5f, 0.9f, 0.8f, 0.7f, 0.1f, 0.1f, 0.1f, 0.1f, 0.1f, 0.6f};
        int[] out = new int[4];
        float[] outScores = new float[4];
        int n = HybridRanker.rank(sig, new Weights(0, 0, 0, 1f), new int[] {0}, 1, -1, modelOrd, modelScore, 3, o -> all[o],
                ONE_HOT, HybridRanker.IDENTITY, 5, out, outScores);
        assertTrue(n >= 1);
        assertEquals(9, out[0], "cos(0, 9) ≈ 0.995 lifts 0.6 above 0.9: " + Arrays.toString(out));
        int m = HybridRanker.rank(sig, new Weights(0, 0, 0, 0.001f), new int[] {0}, 1, -1, modelOrd, modelScore, 3, o -> all[o],
                ONE_HOT, HybridRanker.IDENTITY, 5, out, outScores);
        assertTrue(m >= 1);
        assertEquals(1, out[0], "a tiny title weight keeps the model's order");
    }

    @Test
    void modelOnly_keepsTheModelsOrder() {
        int[] ord = {5, 3, 9};
        float[] sc = {3, 2, 1};
        int[] out = new int[3];
        float[] outScores = new float[3];
        int n = HybridRanker.rank(signals(), Weights.MODEL_ONLY, new int[0], 0, -1, ord, sc, 3, o -> 0, ONE_HOT, HybridRanker.IDENTITY, 10, out, outScores);
        assertEquals(3, n);
        assertArrayEquals(ord, out);
    }

    @Test
    void cooccurrence_bringsTheHistorysNeighbourIn() {
        int[] ord = {5, 6, 7};
        float[] sc = {3, 2.9f, 2.8f};
        int[] out = new int[3];
        float[] outScores = new float[3];
        // Item 1 is no model candidate; the history [0] co-occurs with it in 20 baskets.
        HybridRanker.rank(signals(), new Weights(1f, 0f, 0f), new int[] {0}, 1, -1, ord, sc, 3, o -> 1f, ONE_HOT, HybridRanker.IDENTITY, 2, out, outScores);
        assertTrue(Arrays.stream(out).anyMatch(o -> o == 1), Arrays.toString(out));
        assertTrue(Arrays.stream(out).anyMatch(o -> o == 0), "the history item itself (repurchase): " + Arrays.toString(out));
    }

    @Test
    void sortKey_ordersByScoreDescendingThenOrdinal_andKeepsTheScoreExactly() {
        float[] scores = {Float.NEGATIVE_INFINITY, -3.5f, -Float.MIN_VALUE, 0f, Float.MIN_VALUE, 1e-20f, 0.25f, 7f, 7f, Float.MAX_VALUE};
        int[] ordinals = {3, 9, 1, 0, 8, 2, 5, 6, 4, Integer.MAX_VALUE};
        long[] keys = new long[scores.length];
        for (int i = 0; i < scores.length; i++) keys[i] = HybridRanker.sortKey(scores[i], ordinals[i]);
        Arrays.sort(keys);
        int[] got = Arrays.stream(keys).mapToInt(k -> (int) k).toArray();
        assertArrayEquals(new int[] {Integer.MAX_VALUE, 4, 6, 5, 2, 8, 0, 1, 9, 3}, got, "7f twice: the lower ordinal first");
        for (long k : keys) {
            int o = (int) k;
            int i = IntStream.range(0, ordinals.length).filter(j -> ordinals[j] == o).findFirst().orElseThrow();
            assertEquals(Float.floatToRawIntBits(scores[i]), Float.floatToRawIntBits(HybridRanker.scoreOf(k)));
        }
    }

    @Test
    void aSourceWithWeightZero_bringsNoCandidates() {
        int[] ord = {5, 6, 7};
        float[] sc = {3, 2.9f, 2.8f};
        int[] out = new int[6];
        float[] outScores = new float[6];
        // Item 2 is the most popular; the history [0] co-occurs with 0 and 1 only.
        int n = HybridRanker.rank(signals(), new Weights(1f, 0f, 0f), new int[] {0}, 1, -1, ord, sc, 3, o -> 1f, ONE_HOT, HybridRanker.IDENTITY, 5, out, outScores);
        assertTrue(Arrays.stream(out, 0, n).noneMatch(o -> o == 2 || o == 3), "popularity is off: " + Arrays.toString(out));
        n = HybridRanker.rank(signals(), new Weights(0f, 1f, 0f), new int[] {0}, 1, -1, ord, sc, 3, o -> 1f, ONE_HOT, HybridRanker.IDENTITY, 5, out, outScores);
        int[] got = Arrays.copyOf(out, n);
        assertTrue(Arrays.stream(got).anyMatch(o -> o == 2), "popularity is on: " + Arrays.toString(got));
        assertTrue(Arrays.stream(got).noneMatch(o -> o == 1), "co-occurrence is off: " + Arrays.toString(got));
    }

    @Test
    void popularity_bringsItsWholeListWithoutHistory_andExtraWithHistory() {
        HybridSignals sig = signals();
        int[] ord = {9};
        float[] sc = {1f};
        int extra = 2;
        HybridRanker.Candidates none = HybridRanker.candidates(sig, new int[0], 0, -1, ord, sc, 1, o -> 0.5f, ONE_HOT, HybridRanker.IDENTITY, extra);
        HybridRanker.Candidates some = HybridRanker.candidates(sig, new int[] {9}, 1, -1, ord, sc, 1, o -> 0.5f, ONE_HOT, HybridRanker.IDENTITY, extra);
        int listed = sig.popular(-1).length;
        assertTrue(listed > extra, "the fixture's popular list is longer than extra: " + listed);
        assertEquals(listed, fromPopularity(none), "without history: the whole popular list");
        assertEquals(extra, fromPopularity(some), "with history: extra");
        int[] out = new int[20];
        int n = HybridRanker.rank(sig, new Weights(0f, 1f, 0f), new int[0], 0, -1, ord, sc, 1, o -> 0.5f, ONE_HOT, HybridRanker.IDENTITY, extra,
                out, new float[20]);
        assertEquals(1 + listed - (Arrays.stream(sig.popular(-1)).anyMatch(o -> o == 9) ? 1 : 0), n, "the per-request path ranks them all");
    }

    private static int fromPopularity(HybridRanker.Candidates c) {
        int count = 0;
        for (int i = 0; i < c.size(); i++) if ((c.sources[i] & HybridRanker.FROM_POPULARITY) != 0) count++;
        return count;
    }

    @Test
    void aVariantOfTheTouchedItem_ranksWithIt_aMerelySimilarNewItemDoesNot() {
        // Known candidates 5, 0, 6, 7 (one-hot); 9 has no counts and item 0's vector plus a little of 5's:
        // closer to 0 than any other known candidate is, so a variant of 0, the touched item, whose own
        // basket count (20, the repurchase) is the largest co-occurrence of the history [0].
        float[][] rows = new float[10][10];
        for (int i = 0; i < 10; i++) rows[i][i] = 1;
        rows[9] = new float[] {1, 0, 0, 0, 0, 0.2f, 0, 0, 0, 0};
        int[] ord = {5, 0, 9, 6, 7};
        float[] sc = {3, 2.9f, 2.8f, 2.7f, 2.6f};
        int[] out = new int[5];
        float[] outScores = new float[5];
        HybridRanker.rank(signals(), new Weights(1f, 0f, 0.5f), new int[] {0}, 1, -1, ord, sc, 5, o -> 0f, vectors(rows), HybridRanker.IDENTITY, 0,
                out, outScores);
        assertArrayEquals(new int[] {0, 9, 5, 6, 7}, out, "the variant right behind the item it is a variant of: " + Arrays.toString(out));
        assertEquals(sc[2] + (float) Math.log1p(20), outScores[1], 1e-6f);
        // Now 5 is almost 0 (cosine 0.99) and 9 is nearest to 5, which 0 never co-occurs with: 9 gets
        // the mean rule, u times the mean bonus of the known candidates (only 0 has one), not 0's bonus.
        rows[5] = new float[] {0.99f, 0, 0, 0, 0, 0.141f, 0, 0, 0, 0};
        HybridRanker.rank(signals(), new Weights(1f, 0f, 0.5f), new int[] {0}, 1, -1, ord, sc, 5, o -> 0f, vectors(rows), HybridRanker.IDENTITY, 0,
                out, outScores);
        int at = Arrays.stream(out).boxed().toList().indexOf(9);
        assertEquals(sc[2] + 0.5f * (float) Math.log1p(20) / 4, outScores[at], 1e-5f, Arrays.toString(out));
        // One-hot vectors: nothing is a variant, the mean rule as well.
        HybridRanker.rank(signals(), new Weights(1f, 0f, 0.5f), new int[] {0}, 1, -1, ord, sc, 5, o -> 0f, ONE_HOT, HybridRanker.IDENTITY, 0,
                out, outScores);
        at = Arrays.stream(out).boxed().toList().indexOf(9);
        assertEquals(sc[2] + 0.5f * (float) Math.log1p(20) / 4, outScores[at], 1e-5f, Arrays.toString(out));
    }

    @Test
    void unknownItems_keepTheirPlaceAmongTheModelsCandidates_whenTheBonusIsUniform() {
        // Items 4..8 have the same counts (5 baskets each, no co-occurrence with an empty history): the same bonus.
        // Item 9 has no data: with unknown = 1 it gets exactly that bonus, so the model's order stands.
        int[] ord = {4, 9, 5, 6};
        float[] sc = {4, 3, 2, 1};
        int[] out = new int[4];
        float[] outScores = new float[4];
        int n = HybridRanker.rank(signals(), new Weights(0f, 0.7f, 1f), new int[0], 0, -1, ord, sc, 4, o -> -100f, ONE_HOT, HybridRanker.IDENTITY, 0,
                out, outScores);
        assertEquals(4, n);
        assertArrayEquals(ord, out, Arrays.toString(out));
        // With unknown = 0 the new item falls behind the known ones that were below it.
        HybridRanker.rank(signals(), new Weights(0f, 2f, 0f), new int[0], 0, -1, ord, sc, 4, o -> -100f, ONE_HOT, HybridRanker.IDENTITY, 0,
                out, outScores);
        assertEquals(9, out[3], Arrays.toString(out));
    }

    /**
     * The trainer's grid ranks each query's merged candidates under many weights: that must rank
     * exactly as the server's per-request path, and as a full sort by the documented score.
     */
    @Test
    void candidates_rankAsThePerRequestPath_underAnyWeights() {
        Random random = new Random(11);
        int items = 400;
        List<int[]> baskets = new ArrayList<>();
        List<String> values = new ArrayList<>();
        for (int b = 0; b < 3000; b++) {
            int size = 1 + random.nextInt(6);
            int[] basket = new int[size];
            for (int i = 0; i < size; i++) basket[i] = (int) Math.min(items - 60, Math.abs(random.nextGaussian()) * 80); // 340..399: never bought
            baskets.add(basket);
            values.add(random.nextBoolean() ? "FR" : random.nextBoolean() ? "DE" : null);
        }
        float[][] titles = new float[items][8];
        for (float[] t : titles) for (int d = 0; d < t.length; d++) t[d] = (float) random.nextGaussian();
        HybridSignals sig = HybridSignals.count(items, baskets, values, "country", 20).withText(TextNeighbours.of(titles, 15));
        // Item vectors in 3 dimensions: close neighbours are common, so some unknown items are variants.
        float[][] rows = new float[items][3];
        for (float[] r : rows) for (int d = 0; d < r.length; d++) r[d] = (float) random.nextGaussian();
        HybridRanker.ItemVectors itemVectors = vectors(rows);
        float[] itemScore = new float[items];
        for (int i = 0; i < items; i++) itemScore[i] = (float) random.nextGaussian();
        for (int trial = 0; trial < 60; trial++) {
            int modelCount = 20 + random.nextInt(80);
            int[] modelOrd = random.ints(0, items).distinct().limit(modelCount).toArray();
            float[] modelScore = new float[modelCount];
            for (int i = 0; i < modelCount; i++) modelScore[i] = i == 3 ? Float.NaN : itemScore[modelOrd[i]]; // one gone item
            int[] history = random.ints(random.nextInt(5), 0, items).toArray();
            int context = random.nextInt(3) - 1;
            int extra = 1 + random.nextInt(60);
            HybridRanker.Candidates c = HybridRanker.candidates(sig, history, history.length, context, modelOrd, modelScore, modelCount,
                    o -> itemScore[o], itemVectors, HybridRanker.IDENTITY, extra);
            for (int wi = 0; wi < 20; wi++) {
                Weights w = wi == 0 ? Weights.MODEL_ONLY : new Weights(random.nextInt(3) * random.nextFloat(), random.nextInt(3) * random.nextFloat(),
                        random.nextInt(3) * random.nextFloat() * 3, random.nextInt(3) * random.nextFloat());
                int want = 1 + random.nextInt(120);
                int[] expected = new int[want];
                float[] expectedScores = new float[want];
                int n = HybridRanker.rank(sig, w, history, history.length, context, modelOrd, modelScore, modelCount, o -> itemScore[o],
                        itemVectors, HybridRanker.IDENTITY, extra, expected, expectedScores);
                int[] got = new int[want];
                float[] gotScores = new float[want];
                int m = HybridRanker.rank(c, w, new float[c.size()], new long[c.size()], got, gotScores);
                String at = "trial " + trial + " weights " + w;
                assertEquals(n, m, at);
                assertArrayEquals(expected, got, at);
                assertArrayEquals(expectedScores, gotScores, at);
                if (w.modelOnly() && w.unknown() == 0) continue;
                // A full sort by the score the class documents, from the candidates' parts.
                double knownSum = 0;
                int known = 0;
                for (int i = 0; i < c.fromModel; i++) {
                    if (c.counted[i]) {
                        knownSum += w.cooccurrence() * c.logCooc[i] + w.popularity() * c.logPop[i];
                        known++;
                    }
                }
                float unknownBonus = known == 0 ? 0 : (float) (w.unknown() * knownSum / known);
                float[] score = new float[c.size()];
                for (int i = 0; i < c.size(); i++) {
                    float own = w.cooccurrence() * c.logCooc[i] + w.popularity() * c.logPop[i]; // a variant's: its known item's
                    float bonus = c.counted[i] ? own : c.variant[i] ? Math.max(unknownBonus, own) : unknownBonus;
                    score[i] = c.model[i] + bonus + w.text() * c.text[i];
                }
                // Sources switched off (weight 0) propose nothing: only what another source also proposed stays.
                int on = HybridRanker.FROM_MODEL | (w.cooccurrence() != 0 ? HybridRanker.FROM_COOCCURRENCE : 0)
                        | (w.text() != 0 ? HybridRanker.FROM_TEXT : 0) | (w.popularity() != 0 ? HybridRanker.FROM_POPULARITY : 0);
                int[] sorted = IntStream.range(0, c.size()).filter(i -> (c.sources[i] & on) != 0).boxed()
                        .sorted(Comparator.<Integer>comparingDouble(i -> -score[i]).thenComparingInt(i -> c.ordinal[i]))
                        .limit(want).mapToInt(i -> c.ordinal[i]).toArray();
                assertArrayEquals(sorted, Arrays.copyOf(got, m), at);
            }
        }
    }

    @Test
    void selectTop_matchesAFullSort() {
        Random random = new Random(3);
        for (int trial = 0; trial < 200; trial++) {
            int n = 1 + random.nextInt(300);
            int k = 1 + random.nextInt(n);
            float[] value = new float[n];
            int[] keys = new int[n];
            for (int i = 0; i < n; i++) {
                value[i] = random.nextInt(20);
                keys[i] = random.nextInt(1000);
            }
            int[] slots = IntStream.range(0, n).toArray();
            HybridRanker.selectTop(slots, n, k, value, keys);
            int[] expected = IntStream.range(0, n).boxed()
                    .sorted(Comparator.<Integer>comparingDouble(i -> -value[i]).thenComparingInt(i -> keys[i]))
                    .limit(k).mapToInt(Integer::intValue).toArray();
            for (int i = 0; i < k; i++) {
                assertEquals(value[expected[i]], value[slots[i]], "trial " + trial + " position " + i);
                assertEquals(keys[expected[i]], keys[slots[i]], "trial " + trial + " position " + i);
            }
        }
    }
}
