package ai.mercury.data;

import java.util.Map;

/** What a loader read, kept and dropped (reason → rows), for the user and the manifest. */
public record LoadReport(long rowsRead, long rowsKept, Map<String, Long> dropped) {
    public LoadReport {
        dropped = Map.copyOf(dropped);
    }
}
