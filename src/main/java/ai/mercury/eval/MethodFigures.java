package ai.mercury.eval;

import java.util.Map;

/**
 * One method's figures on every slice, or the reason it could not be computed. {@code seconds} is
 * the wall time of its queries (and, for a baseline, of building it). Immutable.
 */
public record MethodFigures(String method, Map<Slice, SliceResult> slices, double seconds, String unavailable) {
    public MethodFigures {
        slices = Map.copyOf(slices);
    }

    public static MethodFigures unavailable(String method, String reason) {
        return new MethodFigures(method, Map.of(), 0, reason);
    }

    public boolean available() {
        return unavailable == null;
    }
}
