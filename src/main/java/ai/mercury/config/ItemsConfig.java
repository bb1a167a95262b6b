package ai.mercury.config;

import java.nio.file.Path;
import java.util.Map;

/**
 * The {@code items.*} keys: live item writes ({@code PUT/DELETE /items/{id}}). Part of
 * {@link MercuryConfig}; see docs/live-items.md.
 *
 * @param enabled                serve the /items endpoints and replay the journal (false: /items answers 404)
 * @param journalDir             directory of {@code items.journal}; one server per directory (it is locked)
 * @param maxTitleChars          longest accepted title
 * @param maxDescriptionChars    longest accepted description
 * @param rebuildRemovedFraction rebuild the index in the background when removed ordinals pass this share
 * @param rebuildMinRemoved      ... and this count
 * @param textCacheEntries       titles whose text embedding is remembered in memory (re-embedding at a swap reuses them)
 */
public record ItemsConfig(boolean enabled, Path journalDir, int maxTitleChars, int maxDescriptionChars,
                          double rebuildRemovedFraction, int rebuildMinRemoved, int textCacheEntries) {

    /** Item ids: 1 to 128 of these characters (safe in a URL path segment and a file name). */
    public static final String ID_PATTERN = "[A-Za-z0-9._:-]{1,128}";

    static void putDefaults(Map<String, Object> d) {
        d.put("items.enabled", true);
        d.put("items.journal_dir", "journal");
        d.put("items.max_title_chars", 512);
        d.put("items.max_description_chars", 8192);
        d.put("items.rebuild_removed_fraction", 0.2);
        d.put("items.rebuild_min_removed", 256);
        d.put("items.text_cache_entries", 20_000);
    }

    static ItemsConfig from(Map<String, Object> v) {
        String dir = MercuryConfig.str(v, "items.journal_dir").trim();
        if (dir.isEmpty()) throw new MercuryConfig.ConfigException("items.journal_dir must not be empty");
        return new ItemsConfig(MercuryConfig.bool(v, "items.enabled"), Path.of(dir),
                MercuryConfig.intIn(v, "items.max_title_chars", 1, 1_000_000),
                MercuryConfig.intIn(v, "items.max_description_chars", 0, 10_000_000),
                MercuryConfig.doubleIn(v, "items.rebuild_removed_fraction", 0.01, 1.0),
                MercuryConfig.intIn(v, "items.rebuild_min_removed", 1, Integer.MAX_VALUE),
                MercuryConfig.intIn(v, "items.text_cache_entries", 0, 10_000_000));
    }
}
