package ai.mercury.config;

import ai.mercury.index.IndexKind;
import ai.mercury.index.IndexParams;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MercuryConfigTest {
    @Test
    void defaults_areTheNamedConstants() {
        MercuryConfig c = MercuryConfig.defaults();
        assertEquals(MercuryConfig.DEFAULT_HTTP_PORT, c.httpPort());
        assertEquals(MercuryConfig.DEFAULT_K, c.defaultK());
        assertEquals(Path.of("artifacts"), c.artifactsDir());
    }

    @Test
    void file_thenEnv_thenOverrides_winInThatOrder(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("m.json");
        Files.writeString(file, "{\"http\": {\"port\": 9000, \"max_body_bytes\": 4096}, \"index\": {\"kind\": \"hnsw\", \"ef\": 300}}");
        MercuryConfig fromFile = MercuryConfig.load(file, Map.of(), Map.of());
        assertEquals(9000, fromFile.httpPort());
        assertEquals(IndexKind.HNSW, fromFile.index().kind());
        assertEquals(300, fromFile.index().ef());
        MercuryConfig fromEnv = MercuryConfig.load(file, Map.of("MERCURY_HTTP_PORT", "9100", "MERCURY_INDEX_KIND", "exact"), Map.of());
        assertEquals(9100, fromEnv.httpPort());
        assertEquals(IndexKind.EXACT, fromEnv.index().kind());
        assertEquals(4096, fromEnv.maxBodyBytes(), "file values survive where env is silent");
        MercuryConfig fromFlags = MercuryConfig.load(file, Map.of("MERCURY_HTTP_PORT", "9100"), Map.of("http.port", 9200));
        assertEquals(9200, fromFlags.httpPort());
    }

    @Test
    void unknownKeyInFile_isNamed(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("m.json");
        Files.writeString(file, "{\"http\": {\"prot\": 9000}}");
        var e = assertThrows(MercuryConfig.ConfigException.class, () -> MercuryConfig.load(file, Map.of(), Map.of()));
        assertTrue(e.getMessage().contains("http.prot"), e.getMessage());
    }

    @Test
    void badValues_nameTheKey() {
        assertMessage(Map.of("http.port", "eighty"), "http.port must be an integer");
        assertMessage(Map.of("http.port", 70000), "http.port must be between 0 and 65535");
        assertMessage(Map.of("index.kind", "annoy"), "index.kind");
        assertMessage(Map.of("limits.default_k", 5000), "limits.default_k must be between 1 and 1000");
        assertMessage(Map.of("inference.worker_instances", 0), "inference.worker_instances");
        assertMessage(Map.of("no.such.key", 1), "unknown configuration key no.such.key");
    }

    @Test
    void admissionTarget_defaultSetParsedAndBounded() {
        assertEquals(DispatchConfig.DEFAULT_ADMISSION_TARGET, MercuryConfig.defaults().dispatch().admissionTarget());
        assertEquals(0.65, MercuryConfig.load(null, Map.of(), Map.of("inference.admission_target", "0.65")).dispatch().admissionTarget());
        assertMessage(Map.of("inference.admission_target", 0.1), "inference.admission_target must be between 0.3 and 1.0");
        assertMessage(Map.of("inference.admission_target", "most"), "inference.admission_target must be a number");
    }

    @Test
    void guideSamples_defaultSetAndBounded() {
        assertEquals(IndexParams.DEFAULT_GUIDE_SAMPLES, MercuryConfig.defaults().index().guideSamples());
        assertEquals(0, MercuryConfig.load(null, Map.of(), Map.of("index.guide_samples", "0")).index().guideSamples());
        assertMessage(Map.of("index.guide_samples", -1), "index.guide_samples must be between 0 and " + IndexParams.MAX_GUIDE_SAMPLES);
        assertMessage(Map.of("index.guide_samples", IndexParams.MAX_GUIDE_SAMPLES + 1), "index.guide_samples");
    }

    @Test
    void graphOrder_onByDefaultAndParsed() {
        assertTrue(MercuryConfig.defaults().index().graphOrder());
        assertFalse(MercuryConfig.load(null, Map.of(), Map.of("index.graph_order", "false")).index().graphOrder());
        assertMessage(Map.of("index.graph_order", "sometimes"), "index.graph_order must be true or false");
    }

    @Test
    void badEnvValue_namesTheKey() {
        var e = assertThrows(MercuryConfig.ConfigException.class,
                () -> MercuryConfig.load(null, Map.of("MERCURY_INDEX_EF", "lots"), Map.of()));
        assertTrue(e.getMessage().contains("index.ef"), e.getMessage());
    }

    @Test
    void committedConf_isValid() {
        MercuryConfig c = MercuryConfig.load(Path.of("conf", "mercury.json"), Map.of(), Map.of());
        assertEquals(8080, c.httpPort());
    }

    @Test
    void swapKeys_parseAndValidate(@TempDir Path dir) throws Exception {
        MercuryConfig d = MercuryConfig.defaults();
        assertEquals(SwapConfig.DEFAULT_SETTLE_MS, d.swap().settleMs());
        assertEquals(0, d.swap().keepBundles());
        assertEquals(false, d.swap().qualityGate().enabled());
        assertEquals(null, d.swap().stateDir());
        assertTrue(d.adminToken().isEmpty());

        Path file = dir.resolve("m.json");
        Files.writeString(file, "{\"swap\": {\"watch\": false, \"keep_bundles\": 3, \"min_recall_at_100\": {\"warm\": 0.05}}}");
        MercuryConfig c = MercuryConfig.load(file, Map.of("MERCURY_SWAP_MIN_ANN_RECALL_AT_100", "0.9"), Map.of("swap.state_dir", "/var/lib/mercury"));
        assertEquals(false, c.swap().watch());
        assertEquals(3, c.swap().keepBundles());
        assertEquals(Path.of("/var/lib/mercury"), c.swap().stateDir());
        assertEquals(2, c.swap().qualityGate().minimums().size());
        assertEquals("swap.min_ann_recall_at_100", c.swap().qualityGate().minimums().get(0).key());
        assertEquals(0.05, c.swap().qualityGate().minimums().get(1).min());

        assertMessage(Map.of("swap.watch", "maybe"), "swap.watch must be true or false");
        assertMessage(Map.of("swap.min_recall_at_100.warm", 1.5), "swap.min_recall_at_100.warm must be between");
        assertMessage(Map.of("swap.min_recall_at_100.cold_item", "high"), "swap.min_recall_at_100.cold_item must be a number");
        assertMessage(Map.of("swap.settle_ms", 5000, "swap.incomplete_timeout_ms", 1000), "swap.incomplete_timeout_ms");
        assertMessage(Map.of("swap.scan_interval_ms", 0), "swap.scan_interval_ms");
    }

    @Test
    void replicationIsOffByDefaultAndItsKeysAreValidated() {
        ReplicationConfig off = MercuryConfig.defaults().replication();
        assertTrue(!off.enabled());
        assertEquals("mercury.items", off.itemsTopic());
        assertEquals(5_000, off.writeTimeoutMs());
        assertTrue(off.readYourWrites());
        ReplicationConfig on = MercuryConfig.load(null, Map.of("MERCURY_REPLICATION_KAFKA_BOOTSTRAP_SERVERS", "kafka-1:9092, kafka-2:9092"), Map.of()).replication();
        assertTrue(on.enabled());
        assertEquals("kafka-1:9092,kafka-2:9092", on.bootstrapServers());
        assertMessage(Map.of("replication.kafka.bootstrap_servers", "kafka-1"), "replication.kafka.bootstrap_servers");
        assertMessage(Map.of("replication.kafka.bootstrap_servers", "a:1;rm -rf"), "replication.kafka.bootstrap_servers");
        assertMessage(Map.of("replication.kafka.items_topic", "bad topic"), "replication.kafka.items_topic");
        assertMessage(Map.of("replication.kafka.items_topic", "x", "replication.kafka.events_topic", "x"), "must differ");
        assertMessage(Map.of("replication.kafka.write_timeout_ms", 10), "replication.kafka.write_timeout_ms");
        assertMessage(Map.of("replication.kafka.read_your_writes", "maybe"), "replication.kafka.read_your_writes");
        assertMessage(Map.of("replication.kafka.client_id", "a b"), "replication.kafka.client_id");
    }

    private static void assertMessage(Map<String, ?> overrides, String expected) {
        var e = assertThrows(MercuryConfig.ConfigException.class, () -> MercuryConfig.load(null, Map.of(), overrides));
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }
}
