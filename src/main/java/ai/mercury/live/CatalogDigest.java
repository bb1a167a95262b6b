package ai.mercury.live;

import ai.mercury.core.CatalogItem;
import ai.mercury.core.Json;
import ai.mercury.model.Catalog;
import ai.mercury.model.Snapshot;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;

/**
 * A fingerprint of what a replica serves, to compare replicas: SHA-256 over the model version and
 * every item of the serving catalog (bundle and live, sorted by id, each as its JSON). Two replicas
 * with equal digests serve the same items with the same metadata on the same model. Vectors are
 * left out: they follow from the item and the model, and batch sizes may change their last bits.
 *
 * @param sha256       hex digest
 * @param items        items in the catalog
 * @param modelVersion the serving bundle
 * @param appliedSeq   the log position the catalog reflects (journal sequence, or Kafka offset + 1)
 */
public record CatalogDigest(String sha256, int items, String modelVersion, long appliedSeq) {

    /** The digest of {@code s} now (the caller keeps writes out, or accepts a digest taken between them). */
    public static CatalogDigest of(Snapshot s, long appliedSeq) {
        Catalog catalog = s.catalog();
        List<CatalogItem> items = new ArrayList<>(catalog.size());
        for (int o = 0; o < catalog.ordinalLimit(); o++) {
            CatalogItem item = catalog.item(o);
            if (item != null) items.add(item);
        }
        items.sort(Comparator.comparing(CatalogItem::itemId));
        MessageDigest sha;
        try {
            sha = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        sha.update(s.version().getBytes(StandardCharsets.UTF_8));
        for (CatalogItem item : items) {
            sha.update((byte) '\n');
            try {
                sha.update(Json.MAPPER.writeValueAsBytes(item.toJson()));
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                throw new IllegalStateException(e);
            }
        }
        return new CatalogDigest(HexFormat.of().formatHex(sha.digest()), items.size(), s.version(), appliedSeq);
    }
}
