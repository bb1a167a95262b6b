package ai.mercury.cli;

import picocli.CommandLine.Command;

import java.util.concurrent.Callable;

/** Placeholder until the evaluator lands (issue 4); says so instead of pretending. */
@Command(name = "eval", mixinStandardHelpOptions = true, description = "Evaluate bundles with ../shared/eval/PROTOCOL.md (not built yet).")
final class EvalCommand implements Callable<Integer> {
    @Override
    public Integer call() {
        System.err.println("mercury eval is not implemented yet (issue 4).");
        return 2;
    }
}
