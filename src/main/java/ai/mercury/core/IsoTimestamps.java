package ai.mercury.core;

import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.Year;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;

/**
 * The ISO-8601 timestamps of requests and events: {@code 2011-11-04T09:30:00Z}, with an offset
 * ({@code +01:00}) or without one (UTC). The forms clients send ({@code Instant.toString()},
 * JavaScript's {@code toISOString()}, RFC 3339) are read here digit by digit; anything else goes to
 * {@link OffsetDateTime#parse} then {@link LocalDateTime#parse}, so the accepted set and its
 * instants are exactly the JDK's. The JDK's formatter costs a field map and a resolver per call,
 * and its C2 compilation was the largest one real traffic set off after the warm-up (a quarter of a
 * second on one core; docs/bench/warmup.md, run 12).
 */
public final class IsoTimestamps {
    private IsoTimestamps() {}

    /**
     * The instant {@code s} stands for (no offset: UTC).
     *
     * @throws DateTimeParseException when neither ISO form reads it
     */
    public static Instant parse(String s) {
        Instant fast = parseCommon(s);
        if (fast != null) return fast;
        try {
            return OffsetDateTime.parse(s).toInstant();
        } catch (DateTimeParseException e) {
            return LocalDateTime.parse(s).toInstant(ZoneOffset.UTC);
        }
    }

    /**
     * {@code yyyy-MM-ddTHH:mm[:ss[.f{1,9}]]} then {@code Z}, {@code ±HH:MM} or nothing, with years 0001
     * to 9999 and every field in range; null for anything else (the JDK then decides).
     */
    static Instant parseCommon(String s) {
        int n = s.length();
        if (n < 16 || n > 35 || s.charAt(4) != '-' || s.charAt(7) != '-' || s.charAt(10) != 'T' || s.charAt(13) != ':') return null;
        int year = digits(s, 0, 4);
        int month = digits(s, 5, 2);
        int day = digits(s, 8, 2);
        int hour = digits(s, 11, 2);
        int minute = digits(s, 14, 2);
        if (year < 1 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month) || hour < 0 || hour > 23
                || minute < 0 || minute > 59) {
            return null;
        }
        int i = 16;
        int second = 0;
        int nanos = 0;
        if (i < n && s.charAt(i) == ':') {
            if (i + 3 > n) return null;
            second = digits(s, i + 1, 2);
            if (second < 0 || second > 59) return null;
            i += 3;
            if (i < n && s.charAt(i) == '.') {
                int start = ++i;
                while (i < n && i - start < 9 && isDigit(s.charAt(i))) nanos = nanos * 10 + (s.charAt(i++) - '0');
                int width = i - start;
                if (width == 0 || (i < n && isDigit(s.charAt(i)))) return null;
                for (int w = width; w < 9; w++) nanos *= 10;
            }
        }
        int offsetSeconds;
        if (i == n) {
            offsetSeconds = 0;
        } else if (s.charAt(i) == 'Z' && i + 1 == n) {
            offsetSeconds = 0;
        } else if ((s.charAt(i) == '+' || s.charAt(i) == '-') && i + 6 == n && s.charAt(i + 3) == ':') {
            int oh = digits(s, i + 1, 2);
            int om = digits(s, i + 4, 2);
            if (oh < 0 || om < 0 || om > 59 || oh * 3600 + om * 60 > 18 * 3600) return null;
            offsetSeconds = (oh * 3600 + om * 60) * (s.charAt(i) == '-' ? -1 : 1);
        } else {
            return null;
        }
        long epochSecond = epochDay(year, month, day) * 86_400L + hour * 3600L + minute * 60L + second - offsetSeconds;
        return Instant.ofEpochSecond(epochSecond, nanos);
    }

    /** The value of {@code width} ASCII digits at {@code from}, or -1 when one is not a digit. */
    private static int digits(String s, int from, int width) {
        int v = 0;
        for (int i = from; i < from + width; i++) {
            char c = s.charAt(i);
            if (!isDigit(c)) return -1;
            v = v * 10 + (c - '0');
        }
        return v;
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }

    static int daysInMonth(int year, int month) {
        if (month == 2) return Year.isLeap(year) ? 29 : 28;
        return month == 4 || month == 6 || month == 9 || month == 11 ? 30 : 31;
    }

    /**
     * Days since 1970-01-01 of a proleptic Gregorian date (years 1 to 9999 here, so no overflow), as
     * {@code LocalDate.toEpochDay}: not through {@code LocalDate.of}, whose day-of-month check for days
     * 29–31 is the branch that trapped after the warm-up (docs/bench/warmup.md, run 12).
     */
    static long epochDay(int year, int month, int day) {
        long y = month <= 2 ? year - 1 : year; // count the year from March, so that February's leap day comes last
        long era = Math.floorDiv(y, 400);
        long yearOfEra = y - era * 400;
        long dayOfYear = (153L * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1;
        long dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear;
        return era * 146_097 + dayOfEra - 719_468;
    }
}
