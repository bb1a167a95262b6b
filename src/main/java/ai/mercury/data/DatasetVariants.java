package ai.mercury.data;

import java.io.BufferedInputStream;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

/**
 * Harder variants of a one-file interaction log, for the robustness check ({@code scripts/eval-robustness}):
 * a shop with fewer baskets, with category-level product text, or without request context. The
 * variant is written as a new file in the same format (header, delimiter, columns), so that it is
 * trained and evaluated with the unchanged dataset config, the way a shop's own file would be. The
 * columns come from the config, not from Online Retail's names.
 *
 * <ul>
 *   <li><b>sample</b>: keeps a row when its basket is drawn, so baskets stay whole; each basket is
 *       drawn with probability {@code basketFraction} from a hash of its id and the seed (one pass,
 *       no memory per basket, the same draw for the same seed);</li>
 *   <li><b>title words</b>: the text column becomes its last {@code titleLastWords} words
 *       ("WHITE HANGING HEART T-LIGHT HOLDER" → "T-LIGHT HOLDER");</li>
 *   <li><b>drop context</b>: every context column is emptied (one value for every request).</li>
 * </ul>
 * Rows are otherwise copied as read; the config's cleaning still runs when the variant is loaded.
 */
public final class DatasetVariants {

    /**
     * @param basketFraction share of baskets kept, in (0, 1]; 1 keeps every row
     * @param seed           the sample's seed
     * @param titleLastWords words kept at the end of each title; 0 leaves titles as they are
     * @param dropContext    empty every context column
     */
    public record Variant(double basketFraction, long seed, int titleLastWords, boolean dropContext) {
        public static final Variant NONE = new Variant(1, 0, 0, false);

        public Variant {
            if (!(basketFraction > 0 && basketFraction <= 1)) {
                throw new IllegalArgumentException("the basket fraction must be in (0, 1], got " + basketFraction);
            }
            if (titleLastWords < 0) throw new IllegalArgumentException("title words must be ≥ 0, got " + titleLastWords);
        }
    }

    /** What was written. */
    public record Written(long rowsRead, long rowsWritten, long basketsRead, long basketsWritten) {}

    private DatasetVariants() {}

    /**
     * Reads {@code in} (.csv or gzip, detected by content) through {@code config}'s columns and
     * writes the variant to {@code out}, gzip-compressed when its name ends in {@code .gz}.
     */
    public static Written write(Path in, DatasetConfig config, Variant variant, Path out) throws IOException {
        if (config.tables() != null) {
            throw new DatasetException("dataset variants read the one-file form (csv + columns); " + in + " is read through a two-table config");
        }
        if (!Files.isRegularFile(in)) throw new DatasetException(in + ": no such data file");
        char delimiter = config.csv().delimiter();
        DatasetConfig.Columns c = config.columns();
        Path parent = out.toAbsolutePath().getParent();
        if (parent != null) Files.createDirectories(parent);
        long rowsRead = 0;
        long rowsWritten = 0;
        java.util.Set<String> basketsRead = new java.util.HashSet<>();
        java.util.Set<String> basketsWritten = new java.util.HashSet<>();
        try (InputStream raw = Files.newInputStream(in);
             BufferedInputStream buffered = new BufferedInputStream(raw, 1 << 16);
             OutputStream fileOut = Files.newOutputStream(out);
             OutputStream os = out.getFileName().toString().endsWith(".gz") ? new GZIPOutputStream(fileOut, 1 << 16) : fileOut;
             Writer w = new BufferedWriter(new OutputStreamWriter(os, StandardCharsets.UTF_8), 1 << 16)) {
            InputStream is = DatasetLoader.isGzip(buffered) ? new GZIPInputStream(buffered, 1 << 16) : buffered;
            CsvRecords csv = new CsvRecords(new InputStreamReader(is, StandardCharsets.UTF_8), delimiter);
            List<String> f = new ArrayList<>();
            if (!csv.next(f)) throw new DatasetException(in + ": empty file, expected a header line");
            List<String> header = new ArrayList<>(f);
            int basket = column(header, in, "columns.basket", c.basket());
            int text = variant.titleLastWords() > 0 ? column(header, in, "columns.text", c.text()) : -1;
            List<Integer> context = new ArrayList<>();
            if (variant.dropContext()) {
                for (Map.Entry<String, String> e : c.context().entrySet()) {
                    context.add(column(header, in, "columns.context." + e.getKey(), e.getValue()));
                }
            }
            writeRecord(w, header, delimiter);
            while (csv.next(f)) {
                if (f.size() == 1 && f.get(0).isEmpty()) continue;
                rowsRead++;
                // A malformed row is copied as it is: the loader counts it as unparsable, as it would in the original.
                String basketId = basket < f.size() ? f.get(basket).trim() : "";
                basketsRead.add(basketId);
                if (!drawn(basketId, variant)) continue;
                basketsWritten.add(basketId);
                if (text >= 0 && text < f.size()) f.set(text, lastWords(f.get(text), variant.titleLastWords()));
                for (int col : context) if (col < f.size()) f.set(col, "");
                writeRecord(w, f, delimiter);
                rowsWritten++;
            }
        }
        return new Written(rowsRead, rowsWritten, basketsRead.size(), basketsWritten.size());
    }

    /** Whether a basket is kept: a seeded hash of its id, uniform in [0, 1), below the fraction. */
    static boolean drawn(String basketId, Variant variant) {
        if (variant.basketFraction() >= 1) return true;
        long h = variant.seed() * 0x9E3779B97F4A7C15L;
        for (int i = 0; i < basketId.length(); i++) h = mix(h ^ basketId.charAt(i));
        double u = (mix(h) >>> 11) * 0x1.0p-53;
        return u < variant.basketFraction();
    }

    /** SplitMix64's finaliser. */
    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** The last {@code n} whitespace-separated words of {@code title}, single-spaced (all of it when shorter). */
    static String lastWords(String title, int n) {
        String[] words = title.trim().split("\\s+");
        if (words.length == 1 && words[0].isEmpty()) return "";
        int from = Math.max(0, words.length - n);
        return String.join(" ", java.util.Arrays.asList(words).subList(from, words.length));
    }

    private static int column(List<String> header, Path file, String key, String name) throws DatasetException {
        if (name != null) {
            for (int i = 0; i < header.size(); i++) if (header.get(i).trim().equals(name)) return i;
        }
        throw new DatasetException(file + ": column '" + name + "' (" + key + " in the dataset config) is missing; the header has " + header);
    }

    /** One RFC 4180 record: a field is quoted when it holds the delimiter, a quote or a line break. */
    static void writeRecord(Writer w, List<String> fields, char delimiter) throws IOException {
        for (int i = 0; i < fields.size(); i++) {
            if (i > 0) w.write(delimiter);
            String s = fields.get(i);
            boolean quote = s.indexOf(delimiter) >= 0 || s.indexOf('"') >= 0 || s.indexOf('\n') >= 0 || s.indexOf('\r') >= 0;
            if (quote) {
                w.write('"');
                w.write(s.replace("\"", "\"\""));
                w.write('"');
            } else {
                w.write(s);
            }
        }
        w.write('\n');
    }
}
