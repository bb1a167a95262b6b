package ai.mercury.cli;

import ai.mercury.feature.OnnxRuntimeNatives;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code java -jar mercury.jar <command>}: serve, train, eval, bundle, events, robustness. */
@Command(name = "mercury", mixinStandardHelpOptions = true, version = "mercury 0.1.0",
        description = "Cold-start two-tower recommendation engine.",
        subcommands = {ServeCommand.class, TrainCommand.class, EvalCommand.class, BundleCommand.class, EventsCommand.class,
                RobustnessCommand.class})
public final class Main implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    public static void main(String[] args) {
        // One line per log record unless the user configured java.util.logging.
        if (System.getProperty("java.util.logging.SimpleFormatter.format") == null && System.getProperty("java.util.logging.config.file") == null) {
            System.setProperty("java.util.logging.SimpleFormatter.format", "%1$tFT%1$tT.%1$tLZ %4$-7s %3$s - %5$s%6$s%n");
        }
        // Before anything loads ONNX Runtime: its native libraries come from a cache, not a new copy in /tmp.
        OnnxRuntimeNatives.install();
        int code = new CommandLine(new Main()).execute(args);
        if (code != 0 || !ServeCommand.serving) System.exit(code);
    }
}
