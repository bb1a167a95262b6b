package ai.mercury.core;

import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

class IsoTimestampsTest {

    /** What the JDK makes of {@code s}: the instant, or null where both ISO forms refuse it. */
    private static Instant jdk(String s) {
        try {
            return OffsetDateTime.parse(s).toInstant();
        } catch (DateTimeParseException e) {
            try {
                return LocalDateTime.parse(s).toInstant(ZoneOffset.UTC);
            } catch (DateTimeParseException e2) {
                return null;
            }
        }
    }

    private static Instant ours(String s) {
        try {
            return IsoTimestamps.parse(s);
        } catch (DateTimeParseException e) {
            return null;
        }
    }

    @Test
    void epochDay_matchesTheJdk_onEveryDayOfYears1To9999() {
        for (long day = LocalDate.of(1, 1, 1).toEpochDay(); day <= LocalDate.of(9999, 12, 31).toEpochDay(); day++) {
            LocalDate d = LocalDate.ofEpochDay(day);
            if (IsoTimestamps.epochDay(d.getYear(), d.getMonthValue(), d.getDayOfMonth()) != day) {
                throw new AssertionError("epochDay(" + d + ") != " + day);
            }
        }
    }

    @Test
    void theFormsClientsSend_areReadWithoutTheJdk_andAgreeWithIt() {
        SplittableRandom random = new SplittableRandom(11);
        for (int i = 0; i < 50_000; i++) {
            LocalDateTime t = LocalDateTime.of(1 + random.nextInt(9999), 1 + random.nextInt(12), 1, random.nextInt(24), random.nextInt(60),
                    random.nextInt(60), random.nextInt(1_000_000_000));
            t = t.withDayOfMonth(1 + random.nextInt(t.toLocalDate().lengthOfMonth()));
            for (String s : forms(t, random)) {
                Instant fast = IsoTimestamps.parseCommon(s);
                assertNotNull(fast, s);
                assertEquals(jdk(s), fast, s);
            }
        }
    }

    /** The shapes seen in the wild: Instant.toString, toISOString's milliseconds, RFC 3339 offsets, no offset, no seconds. */
    private static List<String> forms(LocalDateTime t, SplittableRandom random) {
        String date = String.format("%04d-%02d-%02dT%02d:%02d", t.getYear(), t.getMonthValue(), t.getDayOfMonth(), t.getHour(), t.getMinute());
        String seconds = String.format(":%02d", t.getSecond());
        String fraction = String.format("%09d", t.getNano()).substring(0, 1 + random.nextInt(9));
        int offsetMinutes = random.nextInt(18 * 60 + 1) * (random.nextBoolean() ? 1 : -1);
        String offset = String.format("%s%02d:%02d", offsetMinutes < 0 ? "-" : "+", Math.abs(offsetMinutes) / 60, Math.abs(offsetMinutes) % 60);
        List<String> forms = new ArrayList<>();
        forms.add(date + seconds + "Z");
        forms.add(date + seconds + "." + fraction + "Z");
        forms.add(date + seconds + "." + fraction + offset);
        forms.add(date + seconds + offset);
        forms.add(date + seconds);
        forms.add(date + "Z");
        forms.add(date + seconds + "." + fraction);
        return forms;
    }

    @Test
    void everythingElse_isTheJdksDecision() {
        String[] odd = {"2011-11-04t09:30:00Z", "2011-11-04T09:30:00z", "2011-11-04T09:30:00+01", "2011-11-04T09:30:00+01:00:30",
                "2011-11-04T09:30:00.Z", "2011-11-04T09:30:00.1234567891Z", "+12011-11-04T09:30:00Z", "-0001-11-04T09:30:00Z",
                "0000-01-01T00:00:00Z", "2011-11-31T09:30:00Z", "2012-02-29T09:30Z", "2011-02-29T09:30Z", "2011-11-04T24:00:00Z",
                "2011-11-04T09:60Z", "2011-11-04T09:30:60Z", "2011-11-04T09:30:00+18:00", "2011-11-04T09:30:00+18:01",
                "2011-11-04T09:30:00-00:00", "2011-11-04T09:30:00+19:00", "2011-13-04T09:30Z", "2011-00-04T09:30Z", "2011-11-00T09:30Z",
                "2011-11-04 09:30:00Z", "2011-11-04T09:3Z", "2011-11-04T09:30:0Z", "2011-11-04T09:30:00ZZ", "2011-11-04", "",
                "２０１１-11-04T09:30Z", "2011-11-04T09:30:00+01:60", "9999-12-31T23:59:59.999999999-18:00", "0001-01-01T00:00+01:00"};
        for (String s : odd) assertEquals(jdk(s), ours(s), s);
        assertNull(IsoTimestamps.parseCommon("2011-11-04t09:30:00Z"), "a lower-case 't' is left to the JDK");
        assertThrows(DateTimeParseException.class, () -> IsoTimestamps.parse("yesterday"));
    }

    @Test
    void randomMutationsOfValidTimestamps_agreeWithTheJdk() {
        SplittableRandom random = new SplittableRandom(5);
        String alphabet = "0123456789-:.TZ+ tz";
        String[] seeds = {"2011-11-04T09:30:00Z", "2011-11-30T23:59:59.123+05:30", "2024-02-29T00:00:00.000000001-08:00", "1999-12-31T23:59"};
        for (int i = 0; i < 200_000; i++) {
            StringBuilder s = new StringBuilder(seeds[random.nextInt(seeds.length)]);
            for (int edits = 1 + random.nextInt(3); edits > 0 && s.length() > 0; edits--) {
                int at = random.nextInt(s.length());
                switch (random.nextInt(3)) {
                    case 0 -> s.setCharAt(at, alphabet.charAt(random.nextInt(alphabet.length())));
                    case 1 -> s.deleteCharAt(at);
                    default -> s.insert(at, alphabet.charAt(random.nextInt(alphabet.length())));
                }
            }
            String t = s.toString();
            assertEquals(jdk(t), ours(t), t);
        }
    }
}
