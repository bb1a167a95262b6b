package ai.mercury.data;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPOutputStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The Online Retail config on a hand-made file: cleaning, drop reasons, entity derivation, gzip, errors. */
class DatasetLoaderTest {
    static final String HEADER = "InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country\n";

    @TempDir
    Path dir;

    static final String ROWS = HEADER
            // basket 100: two rows of 85123A (distinct once), time = the earlier row's, country of the first row
            + "100,85123A,WHITE HEART,6,2011-10-01 10:05:00,2.55,17850.0,United Kingdom\n"
            + "100,71053,\"LANTERN, WHITE\",6,2011-10-01 10:00:00,3.39,17850.0,France\n"
            + "100,85123a,white heart,2,2011-10-01 10:05:00,2.65,17850.0,United Kingdom\n"
            // basket 101: same time as 100's earliest row, later in the file
            + "101,71053,LANTERN,1,2011-10-01 10:00:00,3.00,12345.0,Germany\n"
            + "101,71053,\"LANTERN, WHITE\",1,2011-10-01 10:00:00,3.10,12345.0,Germany\n"
            + "101,85123A,  WHITE HEART  ,1,2011-10-01 10:00:00,2.45,12345.0,Germany\n"
            // basket 099: earliest of all, written last
            + "099,22423,\"REGENCY \"\"CAKESTAND\"\"\",1,2011-09-30 09:00:00,12.75,17850,United Kingdom\n"
            // dropped rows, one per rule
            + "102,22423,REGENCY,1,2011-10-02 10:00:00,12.75,,United Kingdom\n"
            + "C103,22423,REGENCY,-1,2011-10-02 10:00:00,12.75,17850.0,United Kingdom\n"
            + "104,22423,REGENCY,0,2011-10-02 10:00:00,12.75,17850.0,United Kingdom\n"
            + "104,22423,REGENCY,1,2011-10-02 10:00:00,0,17850.0,United Kingdom\n"
            + "104,POST,POSTAGE,1,2011-10-02 10:00:00,18.00,17850.0,United Kingdom\n"
            // a cold item, first seen in the test period
            + "105,23456B,NEW THING,1,2011-11-02 08:00:00,1.25,12345.0,Germany\n";

    private Path write(String name, String content) throws IOException {
        Path f = dir.resolve(name);
        Files.writeString(f, content, StandardCharsets.UTF_8);
        return f;
    }

    @Test
    void load_handMadeFile_cleansAndDerivesAsProtocolSays() throws Exception {
        Dataset d = DatasetLoader.load(write("retail.csv", ROWS), DatasetConfig.ONLINE_RETAIL);
        LoadReport r = d.report();
        assertEquals(13, r.rowsRead());
        assertEquals(8, r.rowsKept());
        assertEquals(Map.of("user_missing", 1L, "basket_prefix", 1L, "quantity_not_positive", 1L, "price_not_positive", 1L,
                "item_id_pattern", 1L), r.dropped());

        assertEquals(List.of("22423", "23456B", "71053", "85123A"), d.items().stream().map(ItemRecord::itemId).toList());
        ItemRecord heart = d.items().get(3);
        assertEquals("WHITE HEART", heart.title(), "trimmed '  WHITE HEART  ' counts with 'WHITE HEART': 2 beats 'white heart' 1");
        assertEquals(2.55, heart.price(), 1e-12, "median of 2.45, 2.55, 2.65");
        assertEquals(Instant.parse("2011-10-01T10:00:00Z"), heart.firstSeen());
        ItemRecord lantern = d.items().get(2);
        assertEquals("LANTERN, WHITE", lantern.title(), "2 rows beat 1; quoted commas stay in the field");
        assertEquals(3.10, lantern.price(), 1e-12);
        assertEquals("REGENCY \"CAKESTAND\"", d.items().get(0).title());
        assertNull(d.items().get(0).category());

        List<Basket> b = d.baskets();
        assertEquals(List.of("099", "100", "101", "105"), b.stream().map(Basket::basketId).toList());
        Basket b100 = b.get(1);
        assertEquals("17850", b100.userId());
        assertEquals(Instant.parse("2011-10-01T10:00:00Z"), b100.time(), "earliest row time");
        assertEquals(Map.of("country", "United Kingdom"), b100.context(), "first row's country");
        assertEquals(List.of("85123A", "71053"), b100.items(), "distinct, order of first appearance, ids upper-cased");
        assertEquals("17850", b.get(0).userId(), "17850 and 17850.0 are one user");
        assertEquals(List.of("71053", "85123A"), b.get(2).items());
        assertEquals(0, b100.firstRow());
        assertEquals(3, b.get(2).firstRow());

        TimeSplit split = TimeSplit.of(d, DatasetConfig.ONLINE_RETAIL);
        assertEquals(3, split.fit().size());
        assertEquals(1, split.test().size());
        assertEquals(java.util.Set.of("23456B"), split.coldItems());
    }

    @Test
    void load_titleTie_goesToLexicographicallySmallest() throws Exception {
        String rows = HEADER
                + "1,71053,ZETA,1,2011-10-01 10:00:00,1,1.0,UK\n"
                + "1,71053,ALPHA,1,2011-10-01 10:00:00,2,1.0,UK\n"
                + "2,71053,ZETA,1,2011-10-02 10:00:00,3,1.0,UK\n"
                + "2,71053,ALPHA,1,2011-10-02 10:00:00,4,1.0,UK\n"
                + "2,71053,,1,2011-10-02 10:00:00,5,1.0,UK\n"
                + "2,71053,,1,2011-10-02 10:00:00,6,1.0,UK\n"
                + "2,71053,,1,2011-10-02 10:00:00,7,1.0,UK\n";
        ItemRecord item = DatasetLoader.load(write("tie.csv", rows), DatasetConfig.ONLINE_RETAIL).items().get(0);
        assertEquals("ALPHA", item.title(), "empty descriptions never win; 2:2 tie → ALPHA");
        assertEquals(4.0, item.price(), 1e-12);
    }

    @Test
    void load_gzip_sameDatasetAndShaOfTheFileAsRead() throws Exception {
        Path plain = write("retail.csv", ROWS);
        Path gz = dir.resolve("retail.csv.gz");
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(gz))) {
            out.write(ROWS.getBytes(StandardCharsets.UTF_8));
        }
        Dataset a = DatasetLoader.load(plain, DatasetConfig.ONLINE_RETAIL);
        Dataset b = DatasetLoader.load(gz, DatasetConfig.ONLINE_RETAIL);
        assertEquals(a.items(), b.items());
        assertEquals(a.baskets(), b.baskets());
        assertEquals(sha256(gz), b.sha256());
        assertEquals(sha256(plain), a.sha256());
    }

    @Test
    void load_missingColumn_failsNamingTheColumnAndKey() throws Exception {
        Path f = write("bad.csv", "InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,Country\n1,22423,X,1,2011-10-01 10:00:00,1,UK\n");
        DatasetException e = assertThrows(DatasetException.class, () -> DatasetLoader.load(f, DatasetConfig.ONLINE_RETAIL));
        assertTrue(e.getMessage().contains("column 'CustomerID' (columns.user"), e.getMessage());
    }

    @Test
    void load_unparsableRowsBeyondTolerance_failsWithLineAndColumn() throws Exception {
        StringBuilder s = new StringBuilder(HEADER);
        for (int i = 0; i < 98; i++) s.append(i).append(",22423,X,1,2011-10-01 10:00:00,1,1.0,UK\n");
        s.append("98,22423,X,1,2011-10-01 10:00:00,one,1.0,UK\n");
        s.append("99,22423,X,1,01/10/2011 10:00,1,1.0,UK\n");
        DatasetException e = assertThrows(DatasetException.class, () -> DatasetLoader.load(write("bad.csv", s.toString()), DatasetConfig.ONLINE_RETAIL));
        assertTrue(e.getMessage().contains("2 of 100 rows"), e.getMessage());
        assertTrue(e.getMessage().contains("line 100: UnitPrice 'one' is not a number"), e.getMessage());
        assertTrue(e.getMessage().contains("line 101: InvoiceDate '01/10/2011 10:00' does not match"), e.getMessage());
    }

    @Test
    void load_unparsableRowsWithinTolerance_areDroppedAndCounted() throws Exception {
        StringBuilder s = new StringBuilder(HEADER);
        for (int i = 0; i < 199; i++) s.append(i).append(",22423,X,1,2011-10-01 10:00:00,1,1.0,UK\n");
        s.append("199,22423,X,1,2011-10-01 10:00:00,1,1.0\n");
        Dataset d = DatasetLoader.load(write("ok.csv", s.toString()), DatasetConfig.ONLINE_RETAIL);
        assertEquals(200, d.report().rowsRead());
        assertEquals(199, d.report().rowsKept());
        assertEquals(Map.of("unparsable", 1L), d.report().dropped());
    }

    static String sha256(Path f) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(f)));
    }
}
