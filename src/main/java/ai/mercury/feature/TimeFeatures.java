package ai.mercury.feature;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.List;

/**
 * Cyclic time features of a request timestamp, taken in UTC: hour of day, day of week and day of
 * year, each as a sine/cosine pair so that 23:59 sits next to 00:00.
 */
public final class TimeFeatures {
    /** Every feature name a bundle may list, in the default order. */
    public static final List<String> ALL = List.of("hour_sin", "hour_cos", "dow_sin", "dow_cos", "doy_sin", "doy_cos");

    private TimeFeatures() {}

    static void requireKnown(String name) {
        if (!ALL.contains(name)) throw new IllegalArgumentException("feature_spec.time: unknown feature " + name + ", known: " + ALL);
    }

    /** Writes the listed features of {@code t} into {@code out} starting at {@code offset}. */
    public static void encode(Instant t, List<String> features, float[] out, int offset) {
        ZonedDateTime z = t.atZone(ZoneOffset.UTC);
        double hourFrac = (z.getHour() + z.getMinute() / 60.0 + z.getSecond() / 3600.0) / 24.0;
        double dowFrac = (z.getDayOfWeek().getValue() - 1 + hourFrac) / 7.0;
        double doyFrac = (z.getDayOfYear() - 1 + hourFrac) / 365.25;
        for (int i = 0; i < features.size(); i++) {
            out[offset + i] = (float) switch (features.get(i)) {
                case "hour_sin" -> Math.sin(2 * Math.PI * hourFrac);
                case "hour_cos" -> Math.cos(2 * Math.PI * hourFrac);
                case "dow_sin" -> Math.sin(2 * Math.PI * dowFrac);
                case "dow_cos" -> Math.cos(2 * Math.PI * dowFrac);
                case "doy_sin" -> Math.sin(2 * Math.PI * doyFrac);
                case "doy_cos" -> Math.cos(2 * Math.PI * doyFrac);
                default -> throw new IllegalArgumentException("unknown time feature " + features.get(i));
            };
        }
    }
}
