package ai.mercury.events;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EventLogTest {
    static Event event(String session, String item) {
        long now = System.currentTimeMillis();
        return new Event("view", session, null, item, now, now, Map.of("country", "France"), null, null);
    }

    static EventLog open(Path dir, long segmentBytes, int retentionDays, List<Object> applied) {
        return new EventLog(new EventLog.Options(dir, 20, segmentBytes, retentionDays), applied::addAll);
    }

    @Test
    void appendsInOrderRotatesBySizeAndReadsBack(@TempDir Path dir) throws Exception {
        List<Object> applied = new ArrayList<>();
        try (EventLog log = open(dir, 4096, 0, applied)) {
            List<CompletableFuture<Void>> acks = new ArrayList<>();
            for (int i = 0; i < 200; i++) acks.add(log.append(List.of(event("s" + i % 7, "I" + i)), i % 50 == 0));
            for (CompletableFuture<Void> a : acks) a.get(10, TimeUnit.SECONDS);
            assertEquals(200, applied.size(), "every record applied before its ack");
        }
        assertTrue(EventLogReader.segments(dir).size() > 2, "rotated by size: " + EventLogReader.segments(dir));
        List<Event> read = EventLogReader.liveEvents(dir);
        assertEquals(200, read.size());
        for (int i = 0; i < 200; i++) assertEquals("I" + i, read.get(i).itemId());
        assertEquals("France", read.get(0).context().get("country"));
    }

    @Test
    void pendingRecords_countWhatTheWriterOwes_andFallToZeroOnceWritten(@TempDir Path dir) throws Exception {
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        try (EventLog log = new EventLog(new EventLog.Options(dir, 20, 1 << 20, 0), records -> {
            try {
                release.await(); // the writer stalls here, as it would on a slow disk or a busy core
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        })) {
            List<CompletableFuture<Void>> acks = new ArrayList<>();
            for (int i = 0; i < 5; i++) acks.add(log.append(List.of(event("s" + i, "A"), event("s" + i, "B")), false));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (log.pendingRecords() != 8 && System.nanoTime() < deadline) Thread.sleep(1);
            assertEquals(8, log.pendingRecords(), "the writer took the first batch and stalls on it; four wait");
            release.countDown();
            for (CompletableFuture<Void> a : acks) a.get(10, TimeUnit.SECONDS);
            assertEquals(0, log.pendingRecords());
        }
    }

    @Test
    void syncAppendCompletesAfterAnFsyncAndTheDirectoryIsLocked(@TempDir Path dir) throws Exception {
        try (EventLog log = open(dir, 1 << 20, 0, new ArrayList<>())) {
            long before = System.currentTimeMillis();
            log.append(List.of(event("s", "A")), true).get(10, TimeUnit.SECONDS);
            assertTrue(log.lastForceMs() >= before, "an fsync happened after the sync append was queued");
            assertThrows(RuntimeException.class, () -> open(dir, 1 << 20, 0, new ArrayList<>()));
        }
        try (EventLog again = open(dir, 1 << 20, 0, new ArrayList<>())) {
            assertEquals(2, EventLogReader.segments(dir).size(), "a new segment per start-up");
        }
    }

    @Test
    void aTornLastLineIsDroppedAtStartAndUnreadableLinesAreSkipped(@TempDir Path dir) throws Exception {
        try (EventLog log = open(dir, 1 << 20, 0, new ArrayList<>())) {
            log.append(List.of(event("s", "A"), event("s", "B")), true).get(10, TimeUnit.SECONDS);
        }
        Path segment = EventLogReader.segments(dir).get(0);
        Files.writeString(segment, "{\"event_type\":\"view\",\"session_id\":\"s\",\"item", StandardOpenOption.APPEND);
        assertEquals(2, EventLogReader.liveEvents(dir).size(), "readers skip the torn tail");
        try (EventLog log = open(dir, 1 << 20, 0, new ArrayList<>())) {
            assertTrue(Files.readString(segment).endsWith("\n"), "the torn line was truncated");
        }
        assertEquals(2, EventLogReader.liveEvents(dir).size());
    }

    @Test
    void retentionDeletesSegmentsOlderThanTheConfiguredDays(@TempDir Path dir) throws Exception {
        String old = LocalDate.now(ZoneOffset.UTC).minusDays(10).format(DateTimeFormatter.BASIC_ISO_DATE);
        String recent = LocalDate.now(ZoneOffset.UTC).minusDays(2).format(DateTimeFormatter.BASIC_ISO_DATE);
        Files.writeString(dir.resolve("events-" + old + "-000001.jsonl"), "", StandardCharsets.UTF_8);
        Files.writeString(dir.resolve("events-" + recent + "-000002.jsonl"), "", StandardCharsets.UTF_8);
        try (EventLog log = open(dir, 1 << 20, 7, new ArrayList<>())) {
            assertFalse(Files.exists(dir.resolve("events-" + old + "-000001.jsonl")));
            assertTrue(Files.exists(dir.resolve("events-" + recent + "-000002.jsonl")));
            assertTrue(log.currentSegment().getFileName().toString().endsWith("-000003.jsonl"));
        }
    }

    @Test
    void tombstonesHideEarlierEventsOfTheSessionAndOfTheUsersSessions(@TempDir Path dir) throws Exception {
        long now = System.currentTimeMillis();
        try (EventLog log = open(dir, 1 << 20, 0, new ArrayList<>())) {
            log.append(List.of(event("a", "1"), new Event("view", "b", "u", "2", now, now, Map.of(), null, null), event("b", "3"),
                    new Forget(Forget.Scope.USER, "u", now), event("a", "4"), new Forget(Forget.Scope.SESSION, "a", now), event("a", "5")), true)
                    .get(10, TimeUnit.SECONDS);
        }
        assertEquals(List.of("5"), EventLogReader.liveEvents(dir).stream().map(Event::itemId).toList());
    }
}
