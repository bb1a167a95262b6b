package ai.mercury.events;

import ai.mercury.core.Json;
import com.fasterxml.jackson.databind.JsonNode;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Reads the event log's segments ({@code events-YYYYMMDD-NNNNNN.jsonl}, one JSON record a line) in
 * log order. A last line without its newline is a torn tail (a crash mid-write, never
 * acknowledged) and is skipped; an unreadable complete line is counted and skipped. Stateless;
 * safe to run while a server appends (it reads what is there).
 */
public final class EventLogReader {
    static final Pattern SEGMENT = Pattern.compile("events-(\\d{8})-(\\d{6})\\.jsonl");

    private EventLogReader() {}

    /** Segment files of {@code dir} in log order (by sequence number). */
    public static List<Path> segments(Path dir) {
        if (!Files.isDirectory(dir)) return List.of();
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> SEGMENT.matcher(p.getFileName().toString()).matches())
                    .sorted(java.util.Comparator.comparing(p -> seqOf(p))).toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list the event log " + dir, e);
        }
    }

    static int seqOf(Path segment) {
        Matcher m = SEGMENT.matcher(segment.getFileName().toString());
        if (!m.matches()) throw new IllegalArgumentException(segment + " is not a segment");
        return Integer.parseInt(m.group(2));
    }

    static String dayOf(Path segment) {
        Matcher m = SEGMENT.matcher(segment.getFileName().toString());
        if (!m.matches()) throw new IllegalArgumentException(segment + " is not a segment");
        return m.group(1);
    }

    /**
     * Every record ({@link Event} or {@link Forget}) in log order, skipping segments last modified
     * before {@code modifiedSinceMs} (0 = all). Returns the number of unreadable lines skipped.
     */
    public static long read(Path dir, long modifiedSinceMs, Consumer<Object> sink) {
        long bad = 0;
        for (Path segment : segments(dir)) {
            try {
                if (modifiedSinceMs > 0 && Files.getLastModifiedTime(segment).toMillis() < modifiedSinceMs) continue;
                bad += readSegment(segment, sink);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + segment, e);
            }
        }
        return bad;
    }

    private static long readSegment(Path segment, Consumer<Object> sink) throws IOException {
        byte[] bytes = Files.readAllBytes(segment);
        int end = bytes.length;
        while (end > 0 && bytes[end - 1] != '\n') end--; // torn tail: no newline yet
        long bad = 0;
        try (BufferedReader r = new BufferedReader(new InputStreamReader(new java.io.ByteArrayInputStream(bytes, 0, end), StandardCharsets.UTF_8))) {
            for (String line; (line = r.readLine()) != null; ) {
                if (line.isBlank()) continue;
                Object record = parse(line);
                if (record == null) bad++;
                else sink.accept(record);
            }
        }
        return bad;
    }

    /** One log line as an {@link Event} or a {@link Forget}; null when it is neither. */
    static Object parse(String line) {
        try {
            JsonNode n = Json.MAPPER.readTree(line);
            if (n == null || !n.isObject()) return null;
            if (n.has("forget")) {
                String scope = n.path("forget").asText();
                Forget.Scope s = scope.equals("session") ? Forget.Scope.SESSION : scope.equals("user") ? Forget.Scope.USER : null;
                if (s == null || !n.path("id").isTextual()) return null;
                return new Forget(s, n.get("id").asText(), n.path("received_ms").asLong());
            }
            Map<String, String> context = new HashMap<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = n.path("context").fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> f = it.next();
                context.put(f.getKey(), f.getValue().asText());
            }
            return new Event(n.path("event_type").asText(), text(n, "session_id"), text(n, "user_id"), n.path("item_id").asText(),
                    n.path("timestamp_ms").asLong(), n.path("received_ms").asLong(), context, text(n, "recommendation_id"), text(n, "model_version"));
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    private static String text(JsonNode n, String field) {
        JsonNode v = n.get(field);
        return v == null || v.isNull() ? null : v.asText();
    }

    /**
     * The events training may use: every event of the log except those a later tombstone covers
     * (a forgotten session's events, a forgotten user's events and those of every session that
     * carried that user's id). In log order.
     */
    public static List<Event> liveEvents(Path dir) {
        List<Object> records = new ArrayList<>();
        read(dir, 0, records::add);
        Map<String, Set<String>> sessionsOfUser = new HashMap<>();
        for (Object r : records) {
            if (r instanceof Event e && e.userId() != null && e.sessionId() != null) {
                sessionsOfUser.computeIfAbsent(e.userId(), u -> new HashSet<>()).add(e.sessionId());
            }
        }
        Set<String> forgottenSessions = new HashSet<>();
        Set<String> forgottenUsers = new HashSet<>();
        List<Event> kept = new ArrayList<>();
        for (int i = records.size() - 1; i >= 0; i--) { // newest first: a tombstone covers what came before it
            Object r = records.get(i);
            if (r instanceof Forget f) {
                if (f.scope() == Forget.Scope.SESSION) {
                    forgottenSessions.add(f.id());
                } else {
                    forgottenUsers.add(f.id());
                    forgottenSessions.addAll(sessionsOfUser.getOrDefault(f.id(), Set.of()));
                }
            } else if (r instanceof Event e) {
                boolean gone = (e.sessionId() != null && forgottenSessions.contains(e.sessionId()))
                        || (e.userId() != null && forgottenUsers.contains(e.userId()));
                if (!gone) kept.add(e);
            }
        }
        java.util.Collections.reverse(kept);
        return kept;
    }
}
