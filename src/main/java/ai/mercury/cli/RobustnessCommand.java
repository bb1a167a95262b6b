package ai.mercury.cli;

import ai.mercury.data.DatasetConfig;
import ai.mercury.data.DatasetException;
import ai.mercury.data.DatasetVariants;
import ai.mercury.eval.RobustnessReport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code mercury robustness variant|report}: the two steps of {@code scripts/eval-robustness} that
 * are not {@code train} or {@code eval}: writing a harder variant of an interaction log
 * ({@link DatasetVariants}) and turning the variants' eval reports into one page ({@link RobustnessReport}).
 */
@Command(name = "robustness", mixinStandardHelpOptions = true,
        description = "The robustness check's steps (see scripts/eval-robustness): write a dataset variant, write the report.",
        subcommands = {RobustnessCommand.Variant.class, RobustnessCommand.Report.class})
final class RobustnessCommand implements Runnable {
    @Override
    public void run() {
        System.out.println("usage: mercury robustness variant --out FILE [--sample-baskets F] [--title-last-words N] [--drop-context]"
                + " | mercury robustness report --out FILE NAME=REPORT.json...");
    }

    @Command(name = "variant", mixinStandardHelpOptions = true,
            description = "Write a harder variant of a one-file interaction log, in its own format, to be trained and evaluated with the same config.")
    static final class Variant implements Callable<Integer> {
        @Option(names = "--data", description = "interaction log (default: ../shared/data/online-retail/online_retail.csv.gz)")
        Path data;

        @Option(names = "--config", description = "dataset config naming the columns (default: ${DEFAULT-VALUE})")
        Path config = Path.of(DatasetConfig.DEFAULT_CONFIG);

        @Option(names = "--out", required = true, description = "the variant's file (.csv, or .csv.gz to compress)")
        Path out;

        @Option(names = "--sample-baskets", description = "keep this share of the baskets, each whole (default: ${DEFAULT-VALUE}, all)")
        double basketFraction = 1;

        @Option(names = "--seed", description = "the basket sample's seed (default: ${DEFAULT-VALUE})")
        long seed = 1;

        @Option(names = "--title-last-words", description = "cut every title to its last N words (default: ${DEFAULT-VALUE}, unchanged)")
        int titleLastWords;

        @Option(names = "--drop-context", description = "empty every context column (country, device, ...)")
        boolean dropContext;

        @Override
        public Integer call() {
            try {
                DatasetConfig c = DatasetConfig.load(config);
                Path in = EvalCommand.dataFile(data, c);
                DatasetVariants.Written w = DatasetVariants.write(in, c,
                        new DatasetVariants.Variant(basketFraction, seed, titleLastWords, dropContext), out);
                System.err.printf("%s: %d of %d rows, %d of %d baskets%n", out, w.rowsWritten(), w.rowsRead(), w.basketsWritten(), w.basketsRead());
                System.out.println(out);
                return 0;
            } catch (DatasetException | IllegalArgumentException e) {
                System.err.println("mercury robustness variant: " + e.getMessage());
                return 1;
            } catch (IOException e) {
                System.err.println("mercury robustness variant: " + e);
                return 1;
            }
        }
    }

    @Command(name = "report", mixinStandardHelpOptions = true,
            description = {"Write the robustness page: per variant, the served model against the best baseline per slice, and the bar "
                    + "(Recall@100 ≥ 0.98 × the best baseline on slices of ≥ 100 queries). Exit code 3 when a slice misses it."})
    static final class Report implements Callable<Integer> {
        @Parameters(paramLabel = "NAME=REPORT", arity = "1..*", description = "a variant's name and its mercury eval JSON report")
        List<String> reports = new ArrayList<>();

        @Option(names = "--description", description = "NAME=TEXT: what the variant changes")
        Map<String, String> descriptions = new LinkedHashMap<>();

        @Option(names = "--preamble", description = "a file whose text goes before the tables (command, machine notes)")
        Path preamble;

        @Option(names = "--out", required = true, description = "the Markdown page to write")
        Path out;

        @Override
        public Integer call() {
            try {
                List<RobustnessReport.Variant> variants = new ArrayList<>();
                for (String r : reports) {
                    int eq = r.indexOf('=');
                    if (eq <= 0) throw new IllegalArgumentException("expected NAME=REPORT.json, got " + r);
                    String name = r.substring(0, eq);
                    variants.add(new RobustnessReport.Variant(name, descriptions.getOrDefault(name, ""), Path.of(r.substring(eq + 1))));
                }
                String page = (preamble == null ? "" : Files.readString(preamble, StandardCharsets.UTF_8) + "\n")
                        + RobustnessReport.markdown(variants);
                Path parent = out.toAbsolutePath().getParent();
                if (parent != null) Files.createDirectories(parent);
                Files.writeString(out, page, StandardCharsets.UTF_8);
                List<String> failures = RobustnessReport.failures(variants);
                System.err.println(failures.isEmpty() ? "every variant meets the bar on every slice of ≥ " + RobustnessReport.MIN_QUERIES + " queries"
                        : "below the bar: " + failures);
                System.out.println(out);
                return failures.isEmpty() ? 0 : 3;
            } catch (IOException | IllegalArgumentException e) {
                System.err.println("mercury robustness report: " + e.getMessage());
                return 1;
            }
        }
    }
}
