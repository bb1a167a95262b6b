package ai.mercury.feature;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.mercury.core.CatalogItem;
import ai.mercury.train.OnlineRetailCatalog;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;

/**
 * Texts per second over the 3,659 Online Retail titles: the encoder alone, then through a cold and
 * a warm {@link EmbeddingCache}. A measurement, not a check: run it on a quiet machine with
 * {@code mvn test -Dtest=MiniLmThroughputTest -Dmercury.bench=true}.
 */
@EnabledIfSystemProperty(named = "mercury.bench", matches = "true")
class MiniLmThroughputTest {
    static final Path DATA = Path.of("../shared/data/online-retail/online_retail.csv.gz");

    @TempDir
    Path dir;

    @Test
    void onlineRetailTitles_textsPerSecond() throws Exception {
        assumeTrue(Files.isRegularFile(DATA), "no " + DATA);
        List<String> titles = OnlineRetailCatalog.read(DATA).items().stream().map(CatalogItem::title).toList();
        System.out.printf("titles: %d (%d distinct), cores: %d%n", titles.size(), titles.stream().distinct().count(),
                Runtime.getRuntime().availableProcessors());
        for (int[] cfg : new int[][] {{1, 1}, {1, 2}, {2, 1}}) {
            try (MiniLmTextEncoder enc = MiniLmTextEncoder.load(cfg[0], cfg[1])) {
                enc.embedAll(titles.subList(0, 300)); // warm-up
                long t0 = start();
                enc.embedAll(titles);
                report("encoder intraOp=" + cfg[0] + " threads=" + cfg[1], titles.size(), t0);
            }
        }
        try (MiniLmTextEncoder enc = MiniLmTextEncoder.load()) {
            enc.embedAll(titles.subList(0, 300));
            float[][] reference = enc.embedAll(titles);
            try (EmbeddingCache cache = EmbeddingCache.open(dir)) {
                long t0 = start();
                cache.getOrComputeAll(titles, enc);
                report("cold cache (encode + append)", titles.size(), t0);
            }
            for (int round = 0; round < 3; round++) {
                long t0 = start();
                try (EmbeddingCache cache = EmbeddingCache.open(dir)) {
                    float[][] warm = cache.getOrComputeAll(titles, enc);
                    report("warm cache (open + scan + read) #" + round, titles.size(), t0);
                    assertEquals(0, cache.stats().misses());
                    for (int i = 0; i < titles.size(); i++) assertArrayEquals(reference[i], warm[i], 0f);
                }
            }
            System.out.printf("cache file: %d bytes%n", Files.size(dir.resolve(EmbeddingCache.identity(enc).fileName())));
        }
    }

    private static long cpu0;

    /** Wall-clock rate, and the process's CPU seconds (what the rate would cost on an idle machine). */
    private static void report(String what, int n, long t0) {
        double s = (System.nanoTime() - t0) / 1e9;
        double cpu = (cpuNanos() - cpu0) / 1e9;
        System.out.printf("%-40s %7.3f s wall %9.0f texts/s | %6.3f s cpu %9.0f texts/cpu-s | load %.1f%n", what, s, n / s,
                cpu, n / cpu, java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
    }

    private static long start() {
        cpu0 = cpuNanos();
        return System.nanoTime();
    }

    private static long cpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }
}
