package ai.mercury.index;

import java.util.Arrays;

/**
 * Extra layer-0 links for {@link HnswLayers}, learned from sample user vectors: links between
 * items that sit next to each other in a sample query's result list.
 *
 * <p>Why: user vectors are not item vectors. The two towers put a user about cosine 0.4-0.5 from
 * its best items, where items sit about 0.84 from their nearest item, so a query's top 100 is a
 * spread-out band of items that the item-to-item graph does not link closely. Over the synthetic
 * 100k catalog HNSW recalls 0.998 of the top 100 for item vectors as queries but 0.89 for user
 * vectors at the same ef (docs/bench/index-search.md). The remedy follows RoarGraph (Chen et
 * al., VLDB 2024: graphs for queries from another distribution than the data): link items that
 * the same queries retrieve. Here that is the cheap version: for each sample query, its top
 * {@value #LIST_SIZE} results in rank order, and both directions between neighbours in that order
 * are proposed; every item keeps up to {@value #DEGREE} proposals, the most proposed first. A
 * search reaching any item of such a list then walks along it.
 *
 * <p>Layout: compressed sparse rows, node {@code i}'s links are
 * {@code links[offsets[i] .. offsets[i + 1])} (most nodes have none: about 2 links per item for
 * 10,000 samples over 100k items). Immutable. Items added live after the build have no guided
 * links (hnswlib's own links reach them); links to items removed later stay as waypoints, as
 * hnswlib's own do.
 */
record QueryGuidedLinks(int[] offsets, int[] links, int samples) {
    static final QueryGuidedLinks NONE = new QueryGuidedLinks(new int[1], new int[0], 0);

    /** Results per sample query that are chained (the serving k the targets use). */
    static final int LIST_SIZE = 100;
    /** Most guided links per item: more than 16 proposals are rare, and 32 costs little memory. */
    static final int DEGREE = 32;

    QueryGuidedLinks {
        if (offsets.length < 1 || offsets[0] != 0 || offsets[offsets.length - 1] != links.length) {
            throw new IllegalArgumentException("offsets do not cover the links");
        }
    }

    /** Nodes the table covers: ordinals {@code [0, nodes())}. */
    int nodes() {
        return offsets.length - 1;
    }

    /**
     * Chains each list (a sample query's results, best first; ordinals below {@code nodes}) and
     * keeps up to {@link #DEGREE} links per node, the most proposed first, ties by lower ordinal.
     */
    static QueryGuidedLinks fromLists(int nodes, int[][] lists) {
        long pairCount = 0;
        for (int[] list : lists) pairCount += 2L * Math.max(0, list.length - 1);
        long[] pairs = new long[Math.toIntExact(pairCount)]; // (from << 32 | to), sorted to count repeats
        int p = 0;
        for (int[] list : lists) {
            for (int i = 1; i < list.length; i++) {
                int a = list[i - 1], b = list[i];
                if (a < 0 || a >= nodes || b < 0 || b >= nodes) throw new IllegalArgumentException("ordinal outside [0, " + nodes + ")");
                pairs[p++] = ((long) a << 32) | b;
                pairs[p++] = ((long) b << 32) | a;
            }
        }
        Arrays.sort(pairs);
        int[] offsets = new int[nodes + 1];
        int[] links = new int[(int) Math.min(pairs.length, (long) nodes * DEGREE)];
        int linkCount = 0;
        long[] ranked = new long[16]; // (MAX - proposals) << 32 | to: ascending = most proposed first
        int at = 0;
        int node = 0;
        while (at < pairs.length) {
            int from = (int) (pairs[at] >>> 32);
            while (node <= from) offsets[node++] = linkCount;
            int distinct = 0;
            while (at < pairs.length && (int) (pairs[at] >>> 32) == from) {
                long pair = pairs[at];
                int proposals = 0;
                while (at < pairs.length && pairs[at] == pair) {
                    proposals++;
                    at++;
                }
                if (distinct == ranked.length) ranked = Arrays.copyOf(ranked, distinct * 2);
                ranked[distinct++] = ((long) (Integer.MAX_VALUE - proposals) << 32) | (int) pair;
            }
            Arrays.sort(ranked, 0, distinct);
            for (int j = 0, keep = Math.min(DEGREE, distinct); j < keep; j++) links[linkCount++] = (int) ranked[j];
        }
        while (node <= nodes) offsets[node++] = linkCount;
        return new QueryGuidedLinks(offsets, Arrays.copyOf(links, linkCount), lists.length);
    }

    /**
     * The same links after the nodes were renumbered: node {@code order[i]} became {@code i},
     * {@code newId[old]} is the inverse. Each node keeps its links in their order.
     */
    QueryGuidedLinks renumbered(int[] order, int[] newId) {
        int n = order.length;
        int[] offsets = new int[n + 1];
        int[] renamed = new int[links.length];
        int p = 0;
        for (int i = 0; i < n; i++) {
            offsets[i] = p;
            int old = order[i];
            if (old < nodes()) {
                for (int j = this.offsets[old]; j < this.offsets[old + 1]; j++) renamed[p++] = newId[links[j]];
            }
        }
        offsets[n] = p;
        return new QueryGuidedLinks(offsets, p == renamed.length ? renamed : Arrays.copyOf(renamed, p), samples);
    }
}
