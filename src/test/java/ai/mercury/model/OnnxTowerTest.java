package ai.mercury.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.mercury.bundle.OnnxTowerExporter;
import ai.mercury.bundle.TowerSpec;
import ai.mercury.core.TowerInput;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OnnxTowerTest {

    @TempDir
    Path dir;

    private static final TowerSpec SPEC = TowerSpec.randomInit(
            List.of(new TowerInput("country", 5), new TowerInput("history", 16)), new int[] {12}, 6, true,
            "user_embedding", 3L);

    @Test
    void load_garbageBytes_throwsTowerLoadExceptionNamingFile() throws Exception {
        Path file = dir.resolve("user_tower.onnx");
        Files.write(file, "this is not an onnx model".getBytes(StandardCharsets.UTF_8));
        TowerLoadException e = assertThrows(TowerLoadException.class, () -> OnnxTower.load(file, "user_embedding", 1));
        assertTrue(e.getMessage().contains(file.toAbsolutePath().toString()), e.getMessage());
    }

    @Test
    void load_missingFile_throwsTowerLoadExceptionNamingFile() {
        Path file = dir.resolve("absent.onnx");
        TowerLoadException e = assertThrows(TowerLoadException.class, () -> OnnxTower.load(file, "user_embedding", 1));
        assertTrue(e.getMessage().contains("absent.onnx"), e.getMessage());
    }

    @Test
    void load_wrongOutputName_throwsTowerLoadException() throws Exception {
        Path file = write(SPEC);
        TowerLoadException e = assertThrows(TowerLoadException.class, () -> OnnxTower.load(file, "item_embedding", 1));
        assertTrue(e.getMessage().contains("item_embedding") && e.getMessage().contains(file.toString()), e.getMessage());
    }

    @Test
    void load_setsOneInterOpThreadSequentialAndNoSpinning() throws Exception {
        try (OnnxTower tower = OnnxTower.load(write(SPEC), "user_embedding", 2)) {
            Map<String, String> config = tower.sessionConfigEntries();
            assertEquals("0", config.get("session.intra_op.allow_spinning"));
            assertEquals("0", config.get("session.inter_op.allow_spinning"));
        }
    }

    @Test
    void embed_missingInput_throwsIllegalArgumentNamingIt() throws Exception {
        try (OnnxTower tower = OnnxTower.load(write(SPEC), "user_embedding", 1)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> tower.embed(Map.of("country", new float[2][5])));
            assertTrue(e.getMessage().contains("'history'"), e.getMessage());
        }
    }

    @Test
    void embed_wrongWidthOrUnknownInput_throwsIllegalArgumentNamingIt() throws Exception {
        try (OnnxTower tower = OnnxTower.load(write(SPEC), "user_embedding", 1)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> tower.embed(Map.of("country", new float[2][5], "history", new float[2][15])));
            assertTrue(e.getMessage().contains("'history'"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> tower.embed(
                    Map.of("country", new float[2][5], "history", new float[2][16], "device", new float[2][3])));
            assertTrue(e.getMessage().contains("'device'"), e.getMessage());
        }
    }

    @Test
    void embed_emptyBatch_returnsEmpty() throws Exception {
        try (OnnxTower tower = OnnxTower.load(write(SPEC), "user_embedding", 1)) {
            assertEquals(0, tower.embed(Map.of("country", new float[0][], "history", new float[0][])).length);
        }
    }

    @Test
    void embed_afterClose_throwsIllegalState_andCloseIsIdempotent() throws Exception {
        OnnxTower tower = OnnxTower.load(write(SPEC), "user_embedding", 1);
        Map<String, float[][]> in = inputs(3, 1L);
        tower.embed(in);
        tower.close();
        tower.close();
        assertThrows(IllegalStateException.class, () -> tower.embed(in));
    }

    @Test
    void embed_growingBatches_reuseBuffersCorrectly() throws Exception {
        try (OnnxTower tower = OnnxTower.load(write(SPEC), "user_embedding", 1)) {
            for (int batch : new int[] {1, 7, 300, 2, 64}) {
                Map<String, float[][]> in = inputs(batch, batch);
                float[][] expected = SPEC.forward(in);
                float[][] actual = tower.embed(in);
                for (int b = 0; b < batch; b++) {
                    assertArrayEquals(expected[b], actual[b], 1e-5f, "batch " + batch + " row " + b);
                }
            }
        }
    }

    @Test
    void embed_fourThreadsConcurrently_matchesSequential() throws Exception {
        int threads = 4;
        int callsPerThread = 50;
        List<Map<String, float[][]>> requests = new ArrayList<>();
        for (int i = 0; i < threads * callsPerThread; i++) {
            requests.add(inputs(1 + i % 9, 100 + i));
        }
        try (OnnxTower tower = OnnxTower.load(write(SPEC), "user_embedding", 1)) {
            List<float[][]> sequential = new ArrayList<>();
            for (Map<String, float[][]> r : requests) {
                sequential.add(tower.embed(r));
            }
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            try {
                CountDownLatch start = new CountDownLatch(1);
                List<Future<List<float[][]>>> futures = new ArrayList<>();
                for (int t = 0; t < threads; t++) {
                    int first = t * callsPerThread;
                    Callable<List<float[][]>> task = () -> {
                        start.await();
                        List<float[][]> out = new ArrayList<>();
                        for (int i = first; i < first + callsPerThread; i++) {
                            out.add(tower.embed(requests.get(i)));
                        }
                        return out;
                    };
                    futures.add(pool.submit(task));
                }
                start.countDown();
                for (int t = 0; t < threads; t++) {
                    List<float[][]> got = futures.get(t).get(60, TimeUnit.SECONDS);
                    for (int k = 0; k < callsPerThread; k++) {
                        float[][] expected = sequential.get(t * callsPerThread + k);
                        float[][] actual = got.get(k);
                        assertEquals(expected.length, actual.length);
                        for (int b = 0; b < expected.length; b++) {
                            assertArrayEquals(expected[b], actual[b], "request " + (t * callsPerThread + k) + " row " + b);
                        }
                    }
                }
            } finally {
                pool.shutdownNow();
            }
        }
    }

    private Path write(TowerSpec spec) throws Exception {
        Path file = dir.resolve("tower-" + System.nanoTime() + ".onnx");
        Files.write(file, OnnxTowerExporter.export(spec, "test_tower"));
        return file;
    }

    private static Map<String, float[][]> inputs(int batch, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        Map<String, float[][]> in = new LinkedHashMap<>();
        for (TowerInput input : SPEC.inputs()) {
            float[][] rows = new float[batch][input.width()];
            for (float[] row : rows) {
                for (int i = 0; i < row.length; i++) {
                    row[i] = (float) rnd.nextDouble(-1, 1);
                }
            }
            in.put(input.name(), rows);
        }
        return in;
    }
}
