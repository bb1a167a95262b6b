package ai.mercury.cli;

import picocli.CommandLine.Command;

import java.util.concurrent.Callable;

/** Placeholder until the trainer lands (issue 3); says so instead of pretending. */
@Command(name = "train", mixinStandardHelpOptions = true, description = "Train the two towers and publish a bundle (not built yet).")
final class TrainCommand implements Callable<Integer> {
    @Override
    public Integer call() {
        System.err.println("mercury train is not implemented yet (issue 3). Until then `mercury bundle bootstrap` writes an untrained bundle.");
        return 2;
    }
}
