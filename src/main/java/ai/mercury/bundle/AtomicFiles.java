package ai.mercury.bundle;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * Replaces small files so that a reader sees the old content or the new, never a half-written
 * file: write a dot-named sibling, fsync it, rename it over the target in one atomic move, fsync
 * the directory. Used for manifests, pins and reports. Stateless.
 */
public final class AtomicFiles {
    private AtomicFiles() {}

    public static void write(Path file, byte[] bytes) throws IOException {
        String name = file.getFileName().toString();
        Path tmp = file.resolveSibling((name.startsWith(".") ? name : "." + name) + ".tmp");
        try {
            Files.write(tmp, bytes);
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                ch.force(true);
            }
            try {
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                throw new IOException("the file system of " + file.getParent() + " cannot rename atomically", e);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
        fsyncDirectory(file.toAbsolutePath().getParent());
    }

    /** Makes a rename or deletion in {@code dir} durable; a no-op where the file system cannot fsync a directory. */
    public static void fsyncDirectory(Path dir) {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException e) {
            // some file systems cannot fsync a directory; the rename itself is still atomic
        }
    }
}
