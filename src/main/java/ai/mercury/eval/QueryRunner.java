package ai.mercury.eval;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Runs one ranker over every query on a shared pool (one task per thread, each taking the next
 * query index), so both cores work and the result list stays aligned with the query list. The
 * pool belongs to the caller.
 */
final class QueryRunner {
    private final ExecutorService pool;
    private final int threads;
    private final PrintStream progressOut;

    QueryRunner(ExecutorService pool, int threads, PrintStream progressOut) {
        this.pool = pool;
        this.threads = threads;
        this.progressOut = progressOut;
    }

    /** The rankings of {@code ranker} for every query, in query order; rethrows the first failure. */
    List<List<String>> run(Ranker ranker, String label, List<EvalQuery> queries, int k) {
        @SuppressWarnings("unchecked")
        List<String>[] out = new List[queries.size()];
        AtomicInteger next = new AtomicInteger();
        try (Progress progress = progressOut == null ? Progress.silent(queries.size()) : new Progress(progressOut, label, queries.size())) {
            List<Future<?>> tasks = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                tasks.add(pool.submit(() -> {
                    for (int i; (i = next.getAndIncrement()) < queries.size(); ) {
                        out[i] = ranker.rank(queries.get(i), k);
                        progress.step();
                    }
                    return null;
                }));
            }
            for (Future<?> f : tasks) {
                try {
                    f.get();
                } catch (ExecutionException e) {
                    next.set(queries.size());
                    Throwable c = e.getCause();
                    if (c instanceof RuntimeException r) throw r;
                    if (c instanceof Error err) throw err;
                    throw new IllegalStateException(ranker.name() + " failed", c);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted while running " + ranker.name(), e);
                }
            }
        }
        return Arrays.asList(out);
    }
}
