package ai.mercury.train;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The catalog derivation against PROTOCOL.md's self-check figures, on the real file when it is there. */
class OnlineRetailCatalogTest {
    static final Path DATA = Path.of("..", "shared", "data", "online-retail", "online_retail.csv.gz");

    @Test
    void read_realData_matchesProtocolSelfCheck() throws Exception {
        Assumptions.assumeTrue(Files.isRegularFile(DATA), "skipped: " + DATA + " is absent (the shared data is not beside this checkout)");
        OnlineRetailCatalog.Result r = OnlineRetailCatalog.read(DATA);
        assertEquals(396_337, r.keptRows());
        assertEquals(3_659, r.items().size());
        assertEquals("United Kingdom", r.countries().get(0));
        var heart = r.items().stream().filter(i -> i.itemId().equals("85123A")).findFirst().orElseThrow();
        assertEquals("WHITE HANGING HEART T-LIGHT HOLDER", heart.title());
    }
}
