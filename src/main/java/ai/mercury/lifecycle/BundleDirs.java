package ai.mercury.lifecycle;

import ai.mercury.core.Json;
import ai.mercury.bundle.Manifest;
import com.fasterxml.jackson.databind.JsonNode;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * What the index manager sees of the artifacts directory without validating anything: the bundle
 * directories (dot-directories and plain files are skipped), a cheap fingerprint of each (every
 * file's name, size and modification time) and whether the directory looks complete (a readable
 * {@code manifest.json} and every file it lists present with the listed size). Disk access: call
 * off the event loop. Stateless.
 */
public final class BundleDirs {
    public static final String VERSION_PATTERN = "[A-Za-z0-9][A-Za-z0-9._-]*";

    private BundleDirs() {}

    /** One file of a bundle directory as seen by {@code stat}. */
    record FileStat(String name, long size, long modifiedMillis) {}

    /** The directory's files, sorted by name: equal fingerprints = nothing was written in between. */
    record Fingerprint(List<FileStat> files) {
        Fingerprint {
            files = List.copyOf(files);
        }
    }

    /** Whether a directory holds everything its manifest lists; {@code waitingFor} says what is missing. */
    record Completeness(boolean complete, String waitingFor) {
        static final Completeness COMPLETE = new Completeness(true, null);
    }

    /** Bundle directories under {@code artifacts} by name (= version), newest (greatest) first. */
    static Map<String, Path> list(Path artifacts) {
        Map<String, Path> out = new TreeMap<>(Comparator.reverseOrder());
        if (!Files.isDirectory(artifacts)) return out;
        try (Stream<Path> list = Files.list(artifacts)) {
            for (Iterator<Path> it = list.iterator(); it.hasNext(); ) {
                Path p = it.next();
                String name = p.getFileName().toString();
                if (!name.startsWith(".") && Files.isDirectory(p)) out.put(name, p);
            }
        } catch (IOException e) {
            System.getLogger(BundleDirs.class.getName()).log(System.Logger.Level.ERROR, "cannot list " + artifacts + ": " + e);
        }
        return out;
    }

    static Fingerprint fingerprint(Path dir) {
        List<FileStat> files = new ArrayList<>();
        try (Stream<Path> list = Files.list(dir)) {
            for (Iterator<Path> it = list.iterator(); it.hasNext(); ) {
                Path p = it.next();
                try {
                    BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class);
                    if (a.isRegularFile()) files.add(new FileStat(p.getFileName().toString(), a.size(), a.lastModifiedTime().toMillis()));
                } catch (NoSuchFileException e) {
                    files.add(new FileStat(p.getFileName().toString(), -1, System.nanoTime())); // vanished while listed: changing
                }
            }
        } catch (IOException e) {
            files.add(new FileStat("(unreadable: " + e.getMessage() + ")", -1, System.nanoTime()));
        }
        files.sort(Comparator.comparing(FileStat::name));
        return new Fingerprint(files);
    }

    /** Reads only the manifest's {@code files} sizes: no checksums, no validation (that comes later). */
    static Completeness completeness(Path dir, Fingerprint fp) {
        Map<String, Long> sizes = new TreeMap<>();
        for (FileStat f : fp.files()) sizes.put(f.name(), f.size());
        if (!sizes.containsKey(Manifest.FILE_NAME)) return new Completeness(false, "no " + Manifest.FILE_NAME + " yet");
        JsonNode files;
        try {
            JsonNode root = Json.MAPPER.readTree(dir.resolve(Manifest.FILE_NAME).toFile());
            files = root == null ? null : root.get("files");
        } catch (IOException e) {
            return new Completeness(false, Manifest.FILE_NAME + " is not readable JSON yet");
        }
        if (files == null || !files.isObject()) return new Completeness(false, Manifest.FILE_NAME + " lists no files yet");
        for (Iterator<Map.Entry<String, JsonNode>> it = files.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            Long actual = sizes.get(e.getKey());
            if (actual == null) return new Completeness(false, e.getKey() + " is missing");
            JsonNode expected = e.getValue() == null ? null : e.getValue().get("size");
            if (expected != null && expected.canConvertToLong() && actual < expected.asLong()) { // longer than listed is not a copy in progress: validation will say so
                return new Completeness(false, e.getKey() + " has " + actual + " of " + expected.asLong() + " bytes");
            }
        }
        return Completeness.COMPLETE;
    }
}
