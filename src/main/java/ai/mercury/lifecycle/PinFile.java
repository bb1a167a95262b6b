package ai.mercury.lifecycle;

import ai.mercury.bundle.AtomicFiles;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The pin: one line holding a bundle version, in {@code <state dir>/.mercury-pin} (by default the
 * artifacts directory, so a pin travels with a shared or synced artifacts folder). Written to a
 * temporary name, fsynced and renamed over the old file, so a reader sees the old pin or the new
 * one, never half. Read at start-up and at every scan, so an operator may also write or delete the
 * file by hand. Disk access: call off the event loop.
 */
public final class PinFile {
    public static final String NAME = ".mercury-pin";
    private static final System.Logger LOG = System.getLogger(PinFile.class.getName());

    private final Path file;
    private String lastInvalid;

    PinFile(Path dir) {
        this.file = dir.resolve(NAME);
    }

    Path path() {
        return file;
    }

    /** The pinned version, or null when there is no pin (or the file does not hold a valid version). */
    String read() {
        String content;
        try {
            content = Files.readString(file, StandardCharsets.UTF_8).trim();
        } catch (java.nio.file.NoSuchFileException e) {
            return null;
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "cannot read the pin file " + file + ": " + e);
            return null;
        }
        if (content.isEmpty()) return null;
        if (!content.matches(BundleDirs.VERSION_PATTERN)) {
            if (!content.equals(lastInvalid)) {
                LOG.log(System.Logger.Level.WARNING, "ignoring the pin file " + file + ": '" + shorten(content) + "' is not a bundle version");
                lastInvalid = content;
            }
            return null;
        }
        return content;
    }

    void write(String version) throws IOException {
        Files.createDirectories(file.getParent());
        AtomicFiles.write(file, (version + "\n").getBytes(StandardCharsets.UTF_8));
    }

    void delete() throws IOException {
        if (Files.deleteIfExists(file)) AtomicFiles.fsyncDirectory(file.getParent());
    }

    private static String shorten(String s) {
        return s.length() > 80 ? s.substring(0, 80) + "…" : s;
    }
}
