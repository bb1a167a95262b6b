package ai.mercury;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Keeps docs/architecture.md true: every main-source reference to another Mercury package must be
 * allowed by the document's "Allowed imports" table, the table has no cycle, every package is in
 * it, and only the edge packages import Vert.x. References are read from code with comments
 * stripped (a javadoc link is not a dependency).
 */
class ArchitectureTest {
    private static final Path SOURCES = Path.of("src/main/java/ai/mercury");
    private static final Path DOC = Path.of("docs/architecture.md");
    private static final Set<String> VERTX_ALLOWED = Set.of("server", "cli");
    private static final Pattern REFERENCE = Pattern.compile("\\bai\\.mercury\\.([a-z]+)\\.[A-Z*]");
    private static final Pattern COMMENT = Pattern.compile("/\\*.*?\\*/|//[^\\n]*", Pattern.DOTALL);

    @Test
    void everyCrossPackageReferenceIsAllowedByTheDocument() throws IOException {
        Map<String, Set<String>> allowed = allowedImports();
        Map<String, Set<String>> actual = actualImports();
        assertEquals(new TreeSet<>(actual.keySet()), new TreeSet<>(allowed.keySet()),
                "the packages under src/main/java/ai/mercury and the rows of docs/architecture.md differ");
        List<String> violations = new ArrayList<>();
        actual.forEach((pkg, uses) -> {
            for (String used : uses) {
                if (!allowed.get(pkg).contains(used)) violations.add(pkg + " -> " + used);
            }
        });
        assertEquals(List.of(), violations, "imports that docs/architecture.md does not allow (fix the code, or the table with a reason)");
    }

    @Test
    void theAllowedGraphHasNoCycle() throws IOException {
        Map<String, Set<String>> allowed = allowedImports();
        for (String start : allowed.keySet()) {
            assertFalse(reaches(allowed, start, start, new TreeSet<>()), "docs/architecture.md allows a cycle through " + start);
        }
    }

    @Test
    void onlyTheEdgeImportsVertx() throws IOException {
        List<String> offenders = new ArrayList<>();
        for (Path file : javaFiles()) {
            String pkg = SOURCES.relativize(file).getName(0).toString();
            if (!VERTX_ALLOWED.contains(pkg) && code(file).contains("io.vertx.")) offenders.add(SOURCES.relativize(file).toString());
        }
        assertEquals(List.of(), offenders, "Vert.x outside " + VERTX_ALLOWED);
    }

    @Test
    void theCheckSeesReferences() throws IOException {
        // Guards the scanner itself: server certainly uses model, and a comment is not a reference.
        assertTrue(actualImports().get("server").contains("model"));
        assertEquals(Set.of(), references("index", "/** {@link ai.mercury.model.Snapshot} */ // ai.mercury.live.LiveItems\nclass X {}"));
        assertEquals(Set.of("core"), references("index", "import ai.mercury.core.Json;\nimport ai.mercury.index.Vectors;"));
    }

    private static boolean reaches(Map<String, Set<String>> graph, String from, String target, Set<String> seen) {
        for (String next : graph.getOrDefault(from, Set.of())) {
            if (next.equals(target)) return true;
            if (seen.add(next) && reaches(graph, next, target, seen)) return true;
        }
        return false;
    }

    /** The "may import" table of docs/architecture.md: rows {@code | package | a, b |}, "—" for none. */
    static Map<String, Set<String>> allowedImports() throws IOException {
        String doc = Files.readString(DOC);
        int at = doc.indexOf("## Allowed imports");
        assertTrue(at >= 0, "docs/architecture.md has no 'Allowed imports' section");
        Map<String, Set<String>> allowed = new TreeMap<>();
        Matcher row = Pattern.compile("(?m)^\\| ([a-z]+) \\| ([^|]+) \\|$").matcher(doc.substring(at));
        while (row.find()) {
            if (row.group(1).equals("package")) continue; // the header row
            Set<String> uses = new TreeSet<>();
            for (String u : row.group(2).split(",")) {
                String t = u.trim();
                if (!t.isEmpty() && !t.equals("—")) uses.add(t);
            }
            allowed.put(row.group(1), uses);
        }
        assertFalse(allowed.isEmpty(), "the allowed-imports table is empty");
        return allowed;
    }

    private static Map<String, Set<String>> actualImports() throws IOException {
        Map<String, Set<String>> uses = new TreeMap<>();
        try (Stream<Path> dirs = Files.list(SOURCES)) {
            for (Path dir : dirs.filter(Files::isDirectory).toList()) uses.put(dir.getFileName().toString(), new TreeSet<>());
        }
        for (Path file : javaFiles()) {
            String pkg = SOURCES.relativize(file).getName(0).toString();
            uses.get(pkg).addAll(references(pkg, code(file)));
        }
        return uses;
    }

    private static Set<String> references(String pkg, String source) {
        Set<String> found = new TreeSet<>();
        Matcher m = REFERENCE.matcher(COMMENT.matcher(source).replaceAll(""));
        while (m.find()) {
            if (!m.group(1).equals(pkg)) found.add(m.group(1));
        }
        return found;
    }

    private static String code(Path file) throws IOException {
        return COMMENT.matcher(Files.readString(file)).replaceAll("");
    }

    private static List<Path> javaFiles() throws IOException {
        try (Stream<Path> files = Files.walk(SOURCES)) {
            return files.filter(p -> p.toString().endsWith(".java") && SOURCES.relativize(p).getNameCount() > 1).toList();
        }
    }
}
