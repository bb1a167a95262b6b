package ai.mercury.feature;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.RandomAccessFile;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The native-library cache against the real ONNX Runtime jar on the test class path. */
class OnnxRuntimeNativesTest {
    private static final ClassLoader LOADER = OnnxRuntimeNativesTest.class.getClassLoader();
    private static final String CORE = System.mapLibraryName("onnxruntime");

    @TempDir
    Path root;

    @BeforeEach
    void platformShipped() {
        String platform = OnnxRuntimeNatives.platform();
        Assumptions.assumeTrue(platform != null && LOADER.getResource(resource(platform, CORE)) != null,
                "ONNX Runtime ships no native library for this platform");
    }

    @Test
    void firstUse_copiesBothLibrariesWhole_intoOneDirectoryNamedByChecksums() throws Exception {
        Path dir = OnnxRuntimeNatives.prepare(root, LOADER).orElseThrow();
        assertEquals(root, dir.getParent());
        assertTrue(dir.getFileName().toString().matches("onnxruntime-[0-9a-f]+-[0-9a-f]+"), dir.toString());
        for (String name : List.of("onnxruntime", "onnxruntime4j_jni")) {
            String file = System.mapLibraryName(name);
            assertArrayEquals(jarBytes(file), Files.readAllBytes(dir.resolve(file)), file);
        }
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(2, files.count(), "no partial copy left behind");
        }
    }

    @Test
    void laterUse_reusesTheCopy_withoutWritingAgain() throws Exception {
        Path dir = OnnxRuntimeNatives.prepare(root, LOADER).orElseThrow();
        Path core = dir.resolve(CORE);
        FileTime marked = FileTime.from(Instant.parse("2020-01-01T00:00:00Z"));
        Files.setLastModifiedTime(core, marked);
        assertEquals(dir, OnnxRuntimeNatives.prepare(root, LOADER).orElseThrow());
        assertEquals(marked, Files.getLastModifiedTime(core), "an intact copy is not rewritten");
    }

    @Test
    void aDamagedOrTruncatedCopy_isReplaced() throws Exception {
        Path dir = OnnxRuntimeNatives.prepare(root, LOADER).orElseThrow();
        Path core = dir.resolve(CORE);
        try (RandomAccessFile f = new RandomAccessFile(core.toFile(), "rw")) {
            f.seek(f.length() / 2);
            int b = f.read();
            f.seek(f.length() / 2);
            f.write(b ^ 0xff); // same size, one byte flipped
        }
        Path jni = dir.resolve(System.mapLibraryName("onnxruntime4j_jni"));
        try (RandomAccessFile f = new RandomAccessFile(jni.toFile(), "rw")) {
            f.setLength(f.length() / 3);
        }
        OnnxRuntimeNatives.prepare(root, LOADER);
        assertArrayEquals(jarBytes(CORE), Files.readAllBytes(core));
        assertArrayEquals(jarBytes(jni.getFileName().toString()), Files.readAllBytes(jni));
    }

    @Test
    void serversStartingTogether_allGetTheSameWholeCopy() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<Optional<Path>>> runs = new ArrayList<>();
            Callable<Optional<Path>> prepare = () -> OnnxRuntimeNatives.prepare(root, LOADER);
            for (int i = 0; i < 4; i++) runs.add(pool.submit(prepare));
            Path first = runs.get(0).get().orElseThrow();
            for (Future<Optional<Path>> run : runs) assertEquals(first, run.get().orElseThrow());
            assertArrayEquals(jarBytes(CORE), Files.readAllBytes(first.resolve(CORE)));
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aRootThatCannotBeWritten_fails_soThatOnnxRuntimeKeepsItsOwnWay() throws Exception {
        Path notADirectory = Files.writeString(root.resolve("file"), "x");
        assertThrows(IOException.class, () -> OnnxRuntimeNatives.prepare(notADirectory.resolve("cache"), LOADER));
    }

    @Test
    void librariesNotInAJar_areLeftToOnnxRuntime() throws Exception {
        try (URLClassLoader empty = new URLClassLoader(new URL[0], null)) {
            assertEquals(Optional.empty(), OnnxRuntimeNatives.prepare(root, empty));
        }
        try (Stream<Path> files = Files.list(root)) {
            assertEquals(0, files.count());
        }
    }

    private static String resource(String platform, String file) {
        return "ai/onnxruntime/native/" + platform + "/" + file;
    }

    private static byte[] jarBytes(String file) throws IOException {
        try (InputStream in = LOADER.getResourceAsStream(resource(OnnxRuntimeNatives.platform(), file))) {
            return in.readAllBytes();
        }
    }
}
