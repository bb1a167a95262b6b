package ai.mercury.live;

import ai.mercury.core.CatalogItem;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class JournalTest {
    @TempDir
    Path dir;

    private static ItemWrite up(long seq, String id) {
        return ItemWrite.upsert(seq, Instant.parse("2026-11-26T10:00:00Z").plusSeconds(seq),
                new CatalogItem(id, "Title of " + id, 1.5 + seq, "home", seq % 2 == 0, null));
    }

    private List<ItemWrite> reopen() {
        List<ItemWrite> out = new ArrayList<>();
        Journal.open(dir, out).close();
        return out;
    }

    @Test
    void writesSurviveReopenInOrder() {
        List<ItemWrite> none = new ArrayList<>();
        try (Journal j = Journal.open(dir, none)) {
            j.append(List.of(up(1, "a"), up(2, "b")));
            j.append(List.of(ItemWrite.delete(3, Instant.parse("2026-11-26T11:00:00Z"), "a")));
        }
        assertTrue(none.isEmpty());
        List<ItemWrite> read = reopen();
        assertEquals(List.of(up(1, "a"), up(2, "b"), ItemWrite.delete(3, Instant.parse("2026-11-26T11:00:00Z"), "a")), read);
    }

    /** Issue 15: a title with a lone surrogate, journaled before requests were validated, is replayed well-formed (U+FFFD). */
    @Test
    void aLoneSurrogateInAnOldJournal_isReplayedAsReplacementCharacter() {
        try (Journal j = Journal.open(dir, new ArrayList<>())) {
            j.append(List.of(ItemWrite.upsert(1, Instant.parse("2026-11-26T10:00:00Z"), new CatalogItem("x", "cake stand \ud800", 2.0, "home\udc00"))));
        }
        CatalogItem replayed = reopen().get(0).item();
        assertEquals("cake stand \uFFFD", replayed.title());
        assertEquals("home\uFFFD", replayed.category());
    }

    @Test
    void aTornTailIsDroppedAndAppendsContinueCleanly() throws Exception {
        try (Journal j = Journal.open(dir, new ArrayList<>())) {
            j.append(List.of(up(1, "a"), up(2, "b")));
        }
        Path file = dir.resolve(Journal.FILE_NAME);
        long whole = Files.size(file);
        try (Journal j = Journal.open(dir, new ArrayList<>())) {
            j.append(List.of(up(3, "c")));
        }
        // Cut the last record in the middle of its payload: a crash during the append.
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.setLength(whole + 20);
        }
        assertEquals(List.of(up(1, "a"), up(2, "b")), reopen());
        assertEquals(whole, Files.size(file), "the torn tail is truncated away");
        try (Journal j = Journal.open(dir, new ArrayList<>())) {
            j.append(List.of(up(3, "c")));
        }
        assertEquals(List.of(up(1, "a"), up(2, "b"), up(3, "c")), reopen());
    }

    @Test
    void aZeroFilledOrBadChecksumTailIsTorn() throws Exception {
        try (Journal j = Journal.open(dir, new ArrayList<>())) {
            j.append(List.of(up(1, "a"), up(2, "b")));
        }
        Path file = dir.resolve(Journal.FILE_NAME);
        long size = Files.size(file);
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.setLength(size + 4096); // the file grew, the data never landed
        }
        assertEquals(2, reopen().size());
        assertEquals(size, Files.size(file));
        // Flip a byte inside the last record's payload.
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.seek(size - 3);
            raf.write('#');
        }
        assertEquals(List.of(up(1, "a")), reopen());
    }

    @Test
    void corruptionBeforeTheTailRefusesToOpen() throws Exception {
        try (Journal j = Journal.open(dir, new ArrayList<>())) {
            j.append(List.of(up(1, "a"), up(2, "b"), up(3, "c")));
        }
        Path file = dir.resolve(Journal.FILE_NAME);
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.seek(8 + 8 + 5); // inside the first record's payload
            raf.write('#');
        }
        long before = Files.size(file);
        JournalException e = assertThrows(JournalException.class, this::reopen);
        assertTrue(e.getMessage().contains("corrupt") && e.getMessage().contains("offset 8"), e.getMessage());
        assertEquals(before, Files.size(file), "nothing is truncated when acknowledged writes are at stake");
    }

    @Test
    void rewriteReplacesTheFileAtomicallyAndKeepsAppending() {
        try (Journal j = Journal.open(dir, new ArrayList<>())) {
            j.append(List.of(up(1, "a"), up(2, "a"), up(3, "b")));
            j.rewrite(List.of(up(2, "a"), up(3, "b")));
            assertEquals(2, j.records());
            j.append(List.of(up(4, "c")));
        }
        assertEquals(List.of(up(2, "a"), up(3, "b"), up(4, "c")), reopen());
        assertTrue(Files.notExists(dir.resolve(Journal.FILE_NAME + ".compact")));
    }

    @Test
    void aSecondOpenOfTheSameJournalIsRefused() {
        try (Journal j = Journal.open(dir, new ArrayList<>())) {
            JournalException e = assertThrows(JournalException.class, () -> Journal.open(dir, new ArrayList<>()));
            assertTrue(e.getMessage().contains("locked"), e.getMessage());
        }
    }

    @Test
    void aFileThatIsNotAJournalIsRefused() throws Exception {
        Files.writeString(dir.resolve(Journal.FILE_NAME), "hello, not a journal");
        JournalException e = assertThrows(JournalException.class, this::reopen);
        assertTrue(e.getMessage().contains("bad magic"), e.getMessage());
    }
}
