package ai.mercury.data;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The evaluation split of a dataset by basket time: fit = baskets before {@code testStart}, test =
 * the others, both in dataset order; cold items = items first seen at or after {@code testStart}.
 * The catalog stays the whole dataset's (a product is listed before anyone buys it). Immutable.
 */
public record TimeSplit(Instant testStart, List<Basket> fit, List<Basket> test, Set<String> coldItems) {
    public TimeSplit {
        fit = List.copyOf(fit);
        test = List.copyOf(test);
        coldItems = java.util.Collections.unmodifiableSet(new LinkedHashSet<>(coldItems));
    }

    public static TimeSplit of(Dataset data, Instant testStart) {
        List<Basket> fit = new ArrayList<>();
        List<Basket> test = new ArrayList<>();
        for (Basket b : data.baskets()) (b.time().isBefore(testStart) ? fit : test).add(b);
        Set<String> cold = new LinkedHashSet<>();
        for (ItemRecord i : data.items()) {
            // A catalog item nobody has interacted with yet is new: cold.
            if (i.firstSeen() == null || !i.firstSeen().isBefore(testStart)) cold.add(i.itemId());
        }
        return new TimeSplit(testStart, fit, test, cold);
    }

    /** The split the dataset config names, or derives from the data's time range (see {@link DatasetConfig.Split}). */
    public static TimeSplit of(Dataset data, DatasetConfig config) {
        return of(data, testStart(data, config));
    }

    /** The test start of {@code config} on {@code data}: configured, or derived from the baskets' time range. */
    public static Instant testStart(Dataset data, DatasetConfig config) {
        if (data.baskets().isEmpty()) return config.split().testStart() != null ? config.split().testStart() : Instant.EPOCH;
        return config.split().testStart(first(data), last(data));
    }

    /** The trainer's hold-out start: configured, or the last part of the fit period's time range. */
    public static Instant holdoutStart(Dataset data, DatasetConfig config) {
        Instant testStart = testStart(data, config);
        if (data.baskets().isEmpty()) return testStart;
        return config.split().holdoutStart(first(data), testStart);
    }

    /**
     * Refuses a config that does not fit the data, in a sentence naming the keys to change: the
     * fit period (before the test start) and the test split must each hold baskets, and so must the
     * hold-out when {@code holdoutStart} is given.
     */
    public static void check(Dataset data, DatasetConfig config, Instant holdoutStart, boolean needTest) throws DatasetException {
        if (data.baskets().isEmpty()) {
            throw new DatasetException("the data holds no basket after cleaning: check the dataset config's columns and cleaning rules");
        }
        Instant first = first(data);
        Instant last = last(data);
        Instant testStart = testStart(data, config);
        String range = "the baskets run from " + first + " to " + last;
        if (!testStart.isAfter(first)) {
            throw new DatasetException("split.test_start " + testStart + " leaves no basket to fit on (" + range
                    + "): set split.test_start inside that range, or remove it to use the last split.test_fraction of the range");
        }
        if (needTest && testStart.isAfter(last)) {
            throw new DatasetException("split.test_start " + testStart + " leaves no basket to test on (" + range
                    + "): set split.test_start inside that range, or remove it to use the last split.test_fraction of the range");
        }
        if (holdoutStart != null) {
            if (!holdoutStart.isBefore(testStart)) {
                throw new DatasetException("the hold-out start " + holdoutStart + " is not before the test start " + testStart
                        + ": set split.holdout_start (or --holdout-start) earlier, or remove it to use the last split.holdout_fraction of the fit period");
            }
            boolean before = false;
            boolean inside = false;
            for (Basket b : data.baskets()) {
                if (b.time().isBefore(holdoutStart)) before = true;
                else if (b.time().isBefore(testStart)) inside = true;
            }
            if (!before || !inside) {
                throw new DatasetException("the hold-out [" + holdoutStart + ", " + testStart + ") leaves " + (before ? "no basket inside it"
                        : "no basket before it") + " (" + range + "): set split.holdout_start (or --holdout-start) inside the fit period, "
                        + "or remove it to use the last split.holdout_fraction of the fit period");
            }
        }
    }

    private static Instant first(Dataset data) {
        return data.baskets().get(0).time();
    }

    private static Instant last(Dataset data) {
        return data.baskets().get(data.baskets().size() - 1).time();
    }
}
