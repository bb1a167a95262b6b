package ai.mercury.bench;

import ai.mercury.index.IndexBenchAccess;
import ai.mercury.index.IndexKind;
import ai.mercury.index.IndexParams;
import ai.mercury.index.ItemIndex;
import ai.mercury.index.ItemIndexes;
import ai.mercury.index.SearchResult;
import ai.mercury.index.Vectors;

import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Measurement, not a test: the index.hnsw format 1 (hnswlib serialization, read by the jar of an
 * earlier commit) against format 2 (this code) in one JVM, over the <em>same</em> graph. Loads
 * the earlier commit's classes (OLD_CLASSPATH: its jar, hnswlib and eclipse-collections) in their
 * own class loader, loads a bundle's format-1 {@code index.hnsw} with it,
 * converts that very graph to format 2 (hnswlib deserializes it here, {@code HnswlibBuild} copies
 * the links) and loads that with this code; then times both loads and alternates blocks of
 * searches between the two indexes (k 100, the configured ef), and checks that they answer alike.
 *
 * <pre>
 * java --add-modules jdk.incubator.vector -Xmx6g -cp target/test-classes:target/classes:$(cat cp.txt) \
 *   ai.mercury.bench.HnswFileABProbe OLD_CLASSPATH BUNDLE_DIR [m efConstruction ef queries rounds]
 * </pre>
 * Results in docs/bench/index-search.md ("index.hnsw format 2").
 */
public final class HnswFileABProbe {
    public static void main(String[] args) throws Exception {
        String[] oldPath = args[0].split(":");
        Path bundle = Path.of(args[1]);
        int m = args.length > 2 ? Integer.parseInt(args[2]) : IndexParams.DEFAULT_M;
        int efC = args.length > 3 ? Integer.parseInt(args[3]) : IndexParams.DEFAULT_EF_CONSTRUCTION;
        int ef = args.length > 4 ? Integer.parseInt(args[4]) : IndexParams.DEFAULT_EF;
        int queries = args.length > 5 ? Integer.parseInt(args[5]) : 500;
        int rounds = args.length > 6 ? Integer.parseInt(args[6]) : 10;
        IndexParams params = new IndexParams(IndexKind.HNSW, m, efC, ef, 0);
        Vectors vectors = readNpy(bundle.resolve("item_vectors.npy"));
        Path oldFile = bundle.resolve("index.hnsw");
        Path newFile = Files.createTempDirectory("hnsw-ab").resolve("index.hnsw");
        System.out.printf("bundle %s: %d x %d, m=%d efConstruction=%d ef=%d, %s%n", bundle, vectors.count(), vectors.dim(), m, efC, ef,
                IndexBenchAccess.kernelName());

        URL[] oldUrls = new URL[oldPath.length];
        for (int i = 0; i < oldPath.length; i++) oldUrls[i] = Path.of(oldPath[i]).toUri().toURL();
        try (URLClassLoader old = new URLClassLoader(oldUrls, ClassLoader.getPlatformClassLoader())) {
            Old before = new Old(old, vectors, params);
            // format 1 -> format 2 over the same links
            IndexBenchAccess.convertFormat1(oldFile, vectors, params, newFile);
            System.out.printf("file bytes: format 1 %,d, format 2 %,d%n", Files.size(oldFile), Files.size(newFile));

            long[] loadOld = new long[3], loadNew = new long[3];
            Object oldIndex = null;
            ItemIndex newIndex = null;
            for (int r = 0; r < 3; r++) { // alternate, so both see the same page cache and heap
                System.gc();
                long t0 = System.nanoTime();
                oldIndex = before.load(oldFile);
                loadOld[r] = System.nanoTime() - t0;
                oldIndex = r < 2 ? null : oldIndex;
                System.gc();
                t0 = System.nanoTime();
                newIndex = ItemIndexes.loadHnsw(newFile, vectors, params);
                loadNew[r] = System.nanoTime() - t0;
            }
            Arrays.sort(loadOld);
            Arrays.sort(loadNew);
            System.out.printf("load (median of 3): format 1 %d ms, format 2 %d ms, ratio %.1fx%n", loadOld[1] / 1_000_000,
                    loadNew[1] / 1_000_000, loadOld[1] / (double) loadNew[1]);

            float[][] qs = new float[queries][];
            SplittableRandom rnd = new SplittableRandom(7);
            for (int i = 0; i < queries; i++) {
                qs[i] = vectors.row(rnd.nextInt(vectors.count()));
                for (int d = 0; d < qs[i].length; d++) qs[i][d] += (float) (0.3 * (rnd.nextDouble() - 0.5));
            }
            long same = 0, total = 0;
            for (float[] q : qs) {
                int[] a = before.search(oldIndex, q, 100);
                int[] b = newIndex.search(q, 100).ordinals();
                total++;
                if (Arrays.equals(a, b)) same++;
            }
            System.out.printf("identical top-100 lists: %d of %d%n", same, total);
            double[] usOld = new double[rounds], usNew = new double[rounds];
            for (int r = 0; r < rounds + 2; r++) { // two warm-up rounds
                long t0 = System.nanoTime();
                for (float[] q : qs) before.search(oldIndex, q, 100);
                long t1 = System.nanoTime();
                for (float[] q : qs) newIndex.search(q, 100);
                long t2 = System.nanoTime();
                if (r >= 2) {
                    usOld[r - 2] = (t1 - t0) / 1e3 / queries;
                    usNew[r - 2] = (t2 - t1) / 1e3 / queries;
                }
            }
            Arrays.sort(usOld);
            Arrays.sort(usNew);
            System.out.printf("search µs/query (median of %d rounds of %d): format 1 jar %.0f, format 2 %.0f, ratio old/new %.2f%n",
                    rounds, queries, usOld[rounds / 2], usNew[rounds / 2], usOld[rounds / 2] / usNew[rounds / 2]);

            // live inserts: hnswlib's add + copy (earlier jar) against HnswInserter, same rows, then recall over all rows
            int adds = Math.max(1, vectors.count() / 50);
            float[] all = Arrays.copyOf(vectors.data(), (vectors.count() + adds) * vectors.dim());
            for (int i = 0; i < adds; i++) {
                float[] v = vectors.row(rnd.nextInt(vectors.count()));
                for (int d = 0; d < v.length; d++) v[d] += (float) (0.3 * (rnd.nextDouble() - 0.5));
                System.arraycopy(v, 0, all, (vectors.count() + i) * vectors.dim(), v.length);
            }
            Vectors grown = new Vectors(vectors.count() + adds, vectors.dim(), all);
            long tOld = 0, tNew = 0;
            for (int i = 0; i < adds; i++) {
                int o = vectors.count() + i;
                float[] v = grown.row(o);
                long t0 = System.nanoTime();
                before.add(oldIndex, o, v);
                long t1 = System.nanoTime();
                newIndex.add(o, v);
                tNew += System.nanoTime() - t1;
                tOld += t1 - t0;
            }
            ItemIndex exact = ItemIndexes.exact(grown);
            long hitsOld = 0, hitsNew = 0, foundOld = 0, foundNew = 0;
            for (float[] q : qs) {
                java.util.BitSet want = new java.util.BitSet();
                for (int o : exact.search(q, 100).ordinals()) want.set(o);
                for (int o : before.search(oldIndex, q, 100)) if (want.get(o)) hitsOld++;
                for (int o : newIndex.search(q, 100).ordinals()) if (want.get(o)) hitsNew++;
            }
            for (int i = 0; i < adds; i++) {
                int o = vectors.count() + i;
                float[] v = grown.row(o);
                for (int r : before.search(oldIndex, v, 10)) foundOld += r == o ? 1 : 0;
                for (int r : newIndex.search(v, 10).ordinals()) foundNew += r == o ? 1 : 0;
            }
            System.out.printf("%d live inserts: µs/insert format-1 jar (hnswlib add + copy) %.0f, HnswInserter %.0f; "
                    + "recall@100 after: %.4f vs %.4f; inserted found in own top-10: %d vs %d%n", adds, tOld / 1e3 / adds, tNew / 1e3 / adds,
                    hitsOld / (100.0 * queries), hitsNew / (100.0 * queries), foundOld, foundNew);
        }
    }

    /** The earlier jar's index API, by reflection (its classes are not this code's). */
    private static final class Old {
        final Method load, search, ordinals, add;
        final Object vectors, params;

        Old(ClassLoader l, Vectors v, IndexParams p) throws Exception {
            Class<?> vt = l.loadClass(Vectors.class.getName());
            Class<?> pt = l.loadClass(IndexParams.class.getName());
            Class<?> kt = l.loadClass(IndexKind.class.getName());
            vectors = vt.getConstructor(int.class, int.class, float[].class).newInstance(v.count(), v.dim(), v.data());
            params = pt.getConstructor(kt, int.class, int.class, int.class, int.class)
                    .newInstance(kt.getMethod("valueOf", String.class).invoke(null, "HNSW"), p.m(), p.efConstruction(), p.ef(), 0);
            load = l.loadClass(ItemIndexes.class.getName()).getMethod("loadHnsw", Path.class, vt, pt);
            search = l.loadClass(ItemIndex.class.getName()).getMethod("search", float[].class, int.class);
            add = l.loadClass(ItemIndex.class.getName()).getMethod("add", int.class, float[].class);
            ordinals = l.loadClass(SearchResult.class.getName()).getMethod("ordinals");
        }

        Object load(Path f) throws Exception {
            return load.invoke(null, f, vectors, params);
        }

        void add(Object index, int ordinal, float[] v) throws Exception {
            add.invoke(index, ordinal, v);
        }

        int[] search(Object index, float[] q, int k) throws Exception {
            return (int[]) ordinals.invoke(search.invoke(index, q, k));
        }
    }

    /** A little-endian float32 2-d .npy (what bundles hold). */
    private static Vectors readNpy(Path f) throws Exception {
        try (FileChannel ch = FileChannel.open(f)) {
            ByteBuffer b = ByteBuffer.allocate((int) ch.size());
            while (b.hasRemaining() && ch.read(b) >= 0) { }
            b.flip().order(ByteOrder.LITTLE_ENDIAN);
            int headerLen = b.getShort(8) & 0xffff;
            String header = new String(b.array(), 10, headerLen, java.nio.charset.StandardCharsets.US_ASCII);
            String shape = header.replaceAll("(?s).*'shape': \\((\\d+), (\\d+)\\).*", "$1 $2");
            String[] parts = shape.split(" ");
            int n = Integer.parseInt(parts[0]), d = Integer.parseInt(parts[1]);
            float[] data = new float[n * d];
            b.position(10 + headerLen);
            b.asFloatBuffer().get(data);
            return new Vectors(n, d, data);
        }
    }
}
