package ai.mercury.data;

import org.junit.jupiter.api.Test;

import java.io.StringReader;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CsvRecordsTest {
    private static List<List<String>> all(String text, char delimiter) throws Exception {
        CsvRecords csv = new CsvRecords(new StringReader(text), delimiter);
        List<List<String>> out = new ArrayList<>();
        List<String> f = new ArrayList<>();
        while (csv.next(f)) out.add(List.copyOf(f));
        return out;
    }

    @Test
    void quotedFields_holdDelimitersQuotesAndLineBreaks() throws Exception {
        assertEquals(List.of(List.of("1", "A, \"quoted\" b", "", "x")), all("1,\"A, \"\"quoted\"\" b\",,x", ','));
        assertEquals(List.of(List.of("a", "two\nlines", "c"), List.of("d", "e", "f")), all("a,\"two\nlines\",c\r\nd,e,f\r\n", ','));
    }

    @Test
    void bomAndCrlfAndOtherDelimiters() throws Exception {
        assertEquals(List.of(List.of("h1", "h2"), List.of("1;2", "3")), all("\uFEFFh1\th2\r\n\"1;2\"\t3", '\t'));
        assertEquals(List.of(List.of("a", "b"), List.of("", "")), all("a;b\n;\n", ';'));
    }

    @Test
    void unclosedQuote_isFlagged() throws Exception {
        CsvRecords csv = new CsvRecords(new StringReader("a,\"never closed\nb,c\n"), ',');
        List<String> f = new ArrayList<>();
        assertTrue(csv.next(f));
        assertTrue(csv.lastRecordUnterminated());
        assertFalse(csv.next(f));
    }

    @Test
    void recordLine_isWhereTheRecordBegins() throws Exception {
        CsvRecords csv = new CsvRecords(new StringReader("h\n\"x\ny\"\nz\n"), ',');
        List<String> f = new ArrayList<>();
        csv.next(f);
        csv.next(f);
        assertEquals(2, csv.recordLine());
        csv.next(f);
        assertEquals(4, csv.recordLine());
    }
}
