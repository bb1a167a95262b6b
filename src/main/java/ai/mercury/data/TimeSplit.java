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
            if (!i.firstSeen().isBefore(testStart)) cold.add(i.itemId());
        }
        return new TimeSplit(testStart, fit, test, cold);
    }

    /** The split the dataset config names. */
    public static TimeSplit of(Dataset data, DatasetConfig config) {
        return of(data, config.split().testStart());
    }
}
