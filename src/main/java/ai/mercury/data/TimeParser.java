package ai.mercury.data;

import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Locale;

/**
 * Parses one time column as a {@link DatasetConfig.TimeFormat} says. Remembers the last value it
 * parsed (the rows of one basket usually share their time). Not thread-safe: one per reader.
 */
final class TimeParser {
    private final DatasetConfig.TimeFormat format;
    private final DateTimeFormatter pattern;
    private final Kind kind;
    private String lastText;
    private Instant lastValue;

    private enum Kind { PATTERN, ISO, EPOCH_SECONDS, EPOCH_MILLIS }

    private TimeParser(DatasetConfig.TimeFormat format, Kind kind, DateTimeFormatter pattern) {
        this.format = format;
        this.kind = kind;
        this.pattern = pattern;
    }

    /** @throws IllegalArgumentException when the format is neither a keyword nor a valid pattern */
    static TimeParser of(DatasetConfig.TimeFormat format) {
        switch (format.format().toLowerCase(Locale.ROOT)) {
            case "iso": return new TimeParser(format, Kind.ISO, null);
            case "epoch_seconds": return new TimeParser(format, Kind.EPOCH_SECONDS, null);
            case "epoch_millis": return new TimeParser(format, Kind.EPOCH_MILLIS, null);
            default:
                try {
                    return new TimeParser(format, Kind.PATTERN, DateTimeFormatter.ofPattern(format.format(), Locale.ROOT));
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException("is neither iso, epoch_seconds, epoch_millis nor a valid date-time pattern: " + e.getMessage());
                }
        }
    }

    /** @throws DateTimeParseException or NumberFormatException when {@code text} does not fit the format */
    Instant parse(String text) {
        if (text.equals(lastText)) return lastValue;
        String t = text.trim();
        Instant value = switch (kind) {
            case PATTERN -> LocalDateTime.parse(t, pattern).atZone(format.zone()).toInstant();
            case ISO -> parseIso(t);
            case EPOCH_SECONDS -> Instant.ofEpochSecond(Long.parseLong(t));
            case EPOCH_MILLIS -> Instant.ofEpochMilli(Long.parseLong(t));
        };
        lastText = text;
        lastValue = value;
        return value;
    }

    private Instant parseIso(String t) {
        try {
            return ZonedDateTime.parse(t, DateTimeFormatter.ISO_DATE_TIME).toInstant();
        } catch (DateTimeParseException e) {
            return LocalDateTime.parse(t, DateTimeFormatter.ISO_LOCAL_DATE_TIME).atZone(format.zone()).toInstant();
        }
    }
}
