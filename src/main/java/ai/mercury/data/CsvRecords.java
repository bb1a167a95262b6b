package ai.mercury.data;

import java.io.IOException;
import java.io.Reader;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads RFC 4180 records from a character stream: fields split by one delimiter, records by CRLF
 * or LF, quoted fields may hold delimiters, line breaks and doubled quotes. A leading UTF-8 BOM is
 * skipped. Not thread-safe; the caller closes the reader.
 */
final class CsvRecords {
    private final Reader in;
    private final char delimiter;
    private final char[] buf = new char[1 << 16];
    private int pos;
    private int len;
    private boolean first = true;
    private long line = 1;
    private long recordLine;
    private final StringBuilder field = new StringBuilder(64);
    /** Set when the last record had a quote that never closed (it ran to the end of the file). */
    private boolean unterminated;

    CsvRecords(Reader in, char delimiter) {
        this.in = in;
        this.delimiter = delimiter;
    }

    /** The physical line (1-based) on which the last record began. */
    long recordLine() {
        return recordLine;
    }

    boolean lastRecordUnterminated() {
        return unterminated;
    }

    /** Fills {@code out} with the next record's fields; false at the end of the input. */
    boolean next(List<String> out) throws IOException {
        out.clear();
        if (first) {
            first = false;
            if (fill() && buf[pos] == '\uFEFF') pos++;
        }
        if (!fill()) return false;
        recordLine = line;
        unterminated = false;
        field.setLength(0);
        boolean quoted = false;
        boolean wasQuoted = false;
        while (true) {
            if (pos >= len && !fill()) {
                if (quoted) unterminated = true;
                out.add(field.toString());
                return true;
            }
            char c = buf[pos++];
            if (quoted) {
                if (c == '"') {
                    if ((pos < len || fill()) && buf[pos] == '"') {
                        field.append('"');
                        pos++;
                    } else {
                        quoted = false;
                    }
                } else {
                    if (c == '\n') line++;
                    field.append(c);
                }
            } else if (c == delimiter) {
                out.add(field.toString());
                field.setLength(0);
                wasQuoted = false;
            } else if (c == '\n' || c == '\r') {
                if (c == '\r' && (pos < len || fill()) && buf[pos] == '\n') pos++;
                line++;
                out.add(field.toString());
                return true;
            } else if (c == '"' && field.length() == 0 && !wasQuoted) {
                quoted = true;
                wasQuoted = true;
            } else {
                field.append(c);
            }
        }
    }

    /** True when at least one unread char is buffered. */
    private boolean fill() throws IOException {
        if (pos < len) return true;
        len = in.read(buf, 0, buf.length);
        pos = 0;
        if (len <= 0) {
            len = 0;
            return false;
        }
        return true;
    }

    /** Splits one line (convenience for tests and small inputs). */
    static List<String> split(String line, char delimiter) throws IOException {
        List<String> out = new ArrayList<>();
        new CsvRecords(new java.io.StringReader(line), delimiter).next(out);
        return out;
    }
}
