package ai.mercury.feature;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.JarURLConnection;
import java.net.URL;
import java.net.URLConnection;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.jar.JarEntry;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.zip.CRC32;

/**
 * Keeps ONNX Runtime's native libraries in one cache directory instead of a new temporary one per JVM.
 *
 * <p>Left alone, ONNX Runtime's Java binding copies its 20 MB of native libraries into a fresh
 * {@code /tmp/onnxruntime-java*} directory at every start and only asks for them to be deleted at a clean
 * exit; the directory itself is never deleted (it is still full when its turn comes), and a process that
 * is killed (kill -9, the OOM killer, a container stop past its grace period) leaves all 20 MB behind. A
 * server that restarts often fills {@code /tmp}. Here the libraries are copied once into a directory named
 * after their checksums, which every later start (of any Mercury version that ships the same libraries)
 * reuses, and ONNX Runtime is pointed at it through its own {@code onnxruntime.native.path} property.
 *
 * <p>The cache root is {@code -Dmercury.native_cache}, else {@code $MERCURY_NATIVE_CACHE}, else
 * {@code $XDG_CACHE_HOME/mercury}, else {@code ~/.cache/mercury}. When it cannot be written, or the
 * libraries are not in a jar, nothing is set and ONNX Runtime extracts to a temporary directory as before.
 * A user's own {@code -Donnxruntime.native.path} always wins.
 */
public final class OnnxRuntimeNatives {
    /** ONNX Runtime's own property: a directory holding its native libraries. */
    static final String ORT_NATIVE_PATH = "onnxruntime.native.path";
    static final String CACHE_PROPERTY = "mercury.native_cache";
    static final String CACHE_ENV = "MERCURY_NATIVE_CACHE";
    private static final String[] LIBRARIES = {"onnxruntime", "onnxruntime4j_jni"};
    private static final Logger LOG = Logger.getLogger(OnnxRuntimeNatives.class.getName());
    private static boolean installed;

    private OnnxRuntimeNatives() {}

    /**
     * Points ONNX Runtime at the cached libraries, copying them there first if needed. Call before the
     * first use of ONNX Runtime in the process (it reads the property once); later calls do nothing.
     */
    public static synchronized void install() {
        if (installed) return;
        installed = true;
        if (System.getProperty(ORT_NATIVE_PATH) != null) return;
        Optional<Path> root = cacheRoot();
        if (root.isEmpty()) return;
        try {
            prepare(root.get(), OnnxRuntimeNatives.class.getClassLoader())
                    .ifPresent(dir -> System.setProperty(ORT_NATIVE_PATH, dir.toString()));
        } catch (IOException | RuntimeException e) {
            LOG.log(Level.INFO, "ONNX Runtime's native libraries are not cached (" + e.getMessage()
                    + "); it will copy them to a temporary directory as usual");
        }
    }

    /**
     * Makes sure {@code root/onnxruntime-<checksums>/} holds the current ONNX Runtime native libraries
     * with the checksums their jar records, and returns that directory; empty when this platform's
     * libraries are not found in a jar on {@code loader}'s class path.
     */
    static Optional<Path> prepare(Path root, ClassLoader loader) throws IOException {
        String platform = platform();
        if (platform == null) return Optional.empty();
        List<Library> libraries = new ArrayList<>();
        StringBuilder key = new StringBuilder("onnxruntime");
        for (String name : LIBRARIES) {
            String file = System.mapLibraryName(name);
            URL url = loader.getResource("ai/onnxruntime/native/" + platform + "/" + file);
            if (url == null) return Optional.empty();
            URLConnection connection = url.openConnection();
            if (!(connection instanceof JarURLConnection jar)) return Optional.empty();
            connection.setUseCaches(false); // else the JDK keeps the jar file open and cached past this call
            JarEntry entry = jar.getJarEntry();
            if (entry.getCrc() < 0 || entry.getSize() < 0) return Optional.empty();
            libraries.add(new Library(file, url, entry.getSize(), entry.getCrc()));
            key.append('-').append(Long.toHexString(entry.getCrc()));
        }
        Path dir = root.resolve(key.toString());
        Files.createDirectories(dir);
        for (Library library : libraries) {
            Path target = dir.resolve(library.file);
            if (intact(target, library)) continue;
            copy(library, target);
        }
        return Optional.of(dir);
    }

    /** Copies through a temporary file in the same directory and renames it, so that no process ever loads a half-written library. */
    private static void copy(Library library, Path target) throws IOException {
        Path partial = Files.createTempFile(target.getParent(), library.file, ".partial");
        try {
            URLConnection connection = library.url.openConnection();
            connection.setUseCaches(false);
            long crc;
            try (InputStream in = connection.getInputStream(); OutputStream out = Files.newOutputStream(partial)) {
                crc = crc32(in, out);
            }
            if (crc != library.crc || Files.size(partial) != library.size) {
                throw new IOException("copy of " + library.file + " does not match its jar entry");
            }
            // Two servers starting at once both copy and both rename: the files are identical, either wins.
            Files.move(partial, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(partial);
        }
    }

    /** True when the cached file has the jar entry's size and checksum (a truncated or damaged copy would crash the JVM on load). */
    private static boolean intact(Path file, Library library) throws IOException {
        if (!Files.isRegularFile(file) || Files.size(file) != library.size) return false;
        try (InputStream in = Files.newInputStream(file)) {
            return crc32(in, null) == library.crc;
        }
    }

    /**
     * Reads {@code in} to its end and returns the bytes' CRC-32, copying them to {@code out} unless it is null.
     * A 64 KB buffer: with {@code transferTo}'s 8 KB the check of the 20 MB library at each start took about
     * 20 ms longer.
     */
    private static long crc32(InputStream in, OutputStream out) throws IOException {
        CRC32 crc = new CRC32();
        byte[] buffer = new byte[1 << 16];
        for (int n; (n = in.read(buffer)) > 0; ) {
            crc.update(buffer, 0, n);
            if (out != null) out.write(buffer, 0, n);
        }
        return crc.getValue();
    }

    private static Optional<Path> cacheRoot() {
        String configured = System.getProperty(CACHE_PROPERTY, System.getenv(CACHE_ENV));
        if (configured != null && !configured.isBlank()) return Optional.of(Path.of(configured));
        String xdg = System.getenv("XDG_CACHE_HOME");
        if (xdg != null && !xdg.isBlank()) return Optional.of(Path.of(xdg, "mercury"));
        String home = System.getProperty("user.home");
        if (home == null || home.isBlank() || home.equals("?")) return Optional.empty();
        return Optional.of(Path.of(home, ".cache", "mercury"));
    }

    /** ONNX Runtime's name for this platform's resource folder, or null where it ships none. */
    static String platform() {
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
        String osName = os.contains("linux") ? "linux" : os.contains("mac") || os.contains("darwin") ? "osx"
                : os.contains("win") ? "win" : null;
        String archName = arch.equals("amd64") || arch.equals("x86_64") ? "x64"
                : arch.equals("aarch64") || arch.equals("arm64") ? "aarch64" : null;
        return osName == null || archName == null ? null : osName + "-" + archName;
    }

    private record Library(String file, URL url, long size, long crc) {}
}
