package ai.mercury.cli;

import ai.mercury.config.EventsConfig;
import ai.mercury.events.EventLogExport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.Callable;

/** {@code mercury events export}: the event log as the CSV that {@code conf/datasets/events.json} describes. */
@Command(name = "events", mixinStandardHelpOptions = true, description = "Work with the event log.",
        subcommands = {EventsCommand.Export.class})
final class EventsCommand implements Runnable {
    @Override
    public void run() {
        System.err.println("usage: mercury events export --events DIR --items BUNDLE/items.jsonl --out FILE.csv.gz");
    }

    @Command(name = "export", mixinStandardHelpOptions = true,
            description = "Write the events no tombstone covers, joined with a bundle's catalog, as CSV for `mercury train --config conf/datasets/events.json`.")
    static final class Export implements Callable<Integer> {
        @Option(names = "--events", defaultValue = "events", description = "the event log directory (events.dir)")
        Path events;

        @Option(names = "--items", required = true, description = "a catalog: a bundle's items.jsonl (titles, prices, categories)")
        Path items;

        @Option(names = "--out", required = true, description = "output CSV (.csv or .csv.gz)")
        Path out;

        @Option(names = "--types", split = ",", defaultValue = "view,click,add_to_cart,purchase", description = "event types to export")
        Set<String> types;

        @Override
        public Integer call() throws Exception {
            for (String t : types) {
                if (!t.matches(EventsConfig.TYPE_PATTERN)) throw new IllegalArgumentException("--types: '" + t + "' is not an event type");
            }
            EventLogExport.Report r = EventLogExport.toCsv(events, items, types, out);
            System.out.printf("%s: %d rows; skipped %d of other types, %d whose item the catalog lacks%n", out, r.rows(), r.skippedType(), r.skippedUnknownItem());
            return 0;
        }
    }
}
