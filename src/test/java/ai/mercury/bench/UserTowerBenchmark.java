package ai.mercury.bench;

import ai.mercury.bundle.Manifest;
import ai.mercury.feature.FeatureEncoder;
import ai.mercury.feature.FeatureEncoder.EncodedUser;
import ai.mercury.feature.UserContext;
import ai.mercury.model.OnnxTower;
import ai.mercury.model.Snapshot;
import ai.mercury.model.SnapshotLoader;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The ONNX user tower alone, on the default bundle's shape (64-dim, hidden [128], 37 countries,
 * 3 devices, time features, history pooled from item vectors), as served: one intra-op thread, no
 * spinning (what {@link SnapshotLoader.Options#defaults()} loads).
 *
 * <ul>
 *   <li>{@code encode*}: {@link FeatureEncoder#encode} alone (context only / 10-item history).</li>
 *   <li>{@code embed*}: {@link OnnxTower#embed} on pre-encoded inputs, batch 1 (context only / with a
 *       10-item history: the graph is dense, so the two should cost the same) and batch 8 (half and
 *       half; divide by 8 for the per-user cost micro-batching would give).</li>
 *   <li>{@code rawOrt*}: the same ONNX file in a plain ORT {@link OrtSession} with the same session
 *       options, inputs wrapped from direct buffers: the floor DJL's per-call overhead sits on.</li>
 * </ul>
 * Results in docs/bench/serving.md.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "-Xms1g", "-Xmx1g"})
public class UserTowerBenchmark {
    static final int USERS = 64; // power of two
    static final int HISTORY = 10;
    static final int BATCH = 8;

    /** Catalog size of the synthetic catalog (3700 ≈ the Online Retail catalog). */
    @Param({"3700"})
    int n;

    /** {@code synthetic}, or {@code online-retail} when ../shared/data/online-retail/online_retail.csv.gz exists. */
    @Param({"synthetic"})
    String catalog;

    private ServingFixture.Built built;
    private Snapshot snapshot;
    private FeatureEncoder encoder;
    private OnnxTower tower;
    private UserContext[] contextUsers;
    private UserContext[] historyUsers;
    private Map<String, float[][]>[] contextBatch1;
    private Map<String, float[][]>[] historyBatch1;
    private Map<String, float[][]>[] batch8;
    private int next;

    private OrtEnvironment env;
    private OrtSession ortSession;
    private OrtSession.SessionOptions ortOptions;
    private RawInputs rawBatch1;
    private RawInputs rawBatch8;

    @Setup(Level.Trial)
    @SuppressWarnings("unchecked")
    public void setUp() throws Exception {
        built = ServingFixture.build(catalog, n);
        snapshot = SnapshotLoader.load(built.bundleDir(), SnapshotLoader.Options.defaults(), line -> {});
        encoder = snapshot.encoder();
        tower = snapshot.userTower();

        List<ServingFixture.Request> ctx = ServingFixture.requests(built, 2 * USERS, 0, 0, ServingFixture.SEED + 10);
        List<ServingFixture.Request> hist = ServingFixture.requests(built, 2 * USERS, HISTORY, HISTORY, ServingFixture.SEED + 11);
        contextUsers = new UserContext[USERS];
        historyUsers = new UserContext[USERS];
        contextBatch1 = new Map[USERS];
        historyBatch1 = new Map[USERS];
        batch8 = new Map[USERS];
        List<Map<String, float[]>> encoded = new ArrayList<>();
        for (int i = 0; i < USERS; i++) {
            contextUsers[i] = ctx.get(2 * i).user();
            historyUsers[i] = hist.get(2 * i + 1).user(); // odd requests carry the history
            EncodedUser c = encoder.encode(contextUsers[i], snapshot.catalog()::ordinalOf);
            EncodedUser h = encoder.encode(historyUsers[i], snapshot.catalog()::ordinalOf);
            if (h.pooledHistory() != HISTORY) throw new IllegalStateException("history not resolved: " + h.pooledHistory());
            contextBatch1[i] = FeatureEncoder.batch(List.of(c.inputs()));
            historyBatch1[i] = FeatureEncoder.batch(List.of(h.inputs()));
            encoded.add(i % 2 == 0 ? c.inputs() : h.inputs());
        }
        for (int i = 0; i < USERS; i++) {
            List<Map<String, float[]>> rows = new ArrayList<>(BATCH);
            for (int j = 0; j < BATCH; j++) rows.add(encoded.get((i + j) & (USERS - 1)));
            batch8[i] = FeatureEncoder.batch(rows);
        }

        env = OrtEnvironment.getEnvironment();
        ortOptions = new OrtSession.SessionOptions();
        ortOptions.setIntraOpNumThreads(1);
        ortOptions.setInterOpNumThreads(1);
        ortOptions.setExecutionMode(OrtSession.SessionOptions.ExecutionMode.SEQUENTIAL);
        ortOptions.addConfigEntry("session.intra_op.allow_spinning", "0");
        ortOptions.addConfigEntry("session.inter_op.allow_spinning", "0");
        ortSession = env.createSession(built.bundleDir().resolve(Manifest.USER_TOWER).toString(), ortOptions);
        rawBatch1 = new RawInputs(ortSession, 1);
        rawBatch8 = new RawInputs(ortSession, BATCH);

        // Same answer through DJL and raw ORT, or the comparison is meaningless.
        float[] viaDjl = tower.embed(historyBatch1[0])[0];
        float[] viaOrt = rawBatch1.run(env, ortSession, historyBatch1[0])[0];
        for (int d = 0; d < viaDjl.length; d++) {
            if (Math.abs(viaDjl[d] - viaOrt[d]) > 1e-5f) throw new IllegalStateException("raw ORT and DJL disagree at " + d);
        }
        System.out.printf("%nSETUP catalog=%s items=%d tower inputs=%s%n", catalog, snapshot.catalog().size(), tower.inputNames());
    }

    @TearDown(Level.Trial)
    public void tearDown() throws OrtException {
        if (ortSession != null) ortSession.close();
        if (ortOptions != null) ortOptions.close();
        if (snapshot != null) snapshot.retire();
        if (built != null) ServingFixture.deleteTree(built.artifactsDir());
    }

    private int next() {
        int i = next;
        next = (i + 1) & (USERS - 1);
        return i;
    }

    @Benchmark
    public EncodedUser encodeContext() {
        return encoder.encode(contextUsers[next()], snapshot.catalog()::ordinalOf);
    }

    @Benchmark
    public EncodedUser encodeHistory10() {
        return encoder.encode(historyUsers[next()], snapshot.catalog()::ordinalOf);
    }

    @Benchmark
    @BenchmarkMode({Mode.SampleTime, Mode.Throughput})
    public float[][] embedContext() {
        return tower.embed(contextBatch1[next()]);
    }

    @Benchmark
    @BenchmarkMode({Mode.SampleTime, Mode.Throughput})
    public float[][] embedHistory10() {
        return tower.embed(historyBatch1[next()]);
    }

    /** Eight users in one call: per-user cost = this / 8. */
    @Benchmark
    @BenchmarkMode({Mode.SampleTime, Mode.Throughput})
    public float[][] embedBatch8() {
        return tower.embed(batch8[next()]);
    }

    @Benchmark
    public float[][] rawOrtBatch1() throws OrtException {
        return rawBatch1.run(env, ortSession, historyBatch1[next()]);
    }

    @Benchmark
    public float[][] rawOrtBatch8() throws OrtException {
        return rawBatch8.run(env, ortSession, batch8[next()]);
    }

    /** Reused direct input buffers for one batch size, wrapped into fresh tensors per call (as OnnxTower does). */
    static final class RawInputs {
        final List<String> names = new ArrayList<>();
        final Map<String, Integer> widths = new HashMap<>();
        final Map<String, FloatBuffer> buffers = new HashMap<>();
        final int batch;

        RawInputs(OrtSession session, int batch) throws OrtException {
            this.batch = batch;
            for (var e : session.getInputInfo().entrySet()) {
                long[] shape = ((TensorInfo) e.getValue().getInfo()).getShape();
                int width = (int) shape[1];
                names.add(e.getKey());
                widths.put(e.getKey(), width);
                buffers.put(e.getKey(), ByteBuffer.allocateDirect(batch * width * Float.BYTES)
                        .order(ByteOrder.nativeOrder()).asFloatBuffer());
            }
        }

        float[][] run(OrtEnvironment env, OrtSession session, Map<String, float[][]> inputs) throws OrtException {
            Map<String, OnnxTensor> tensors = new LinkedHashMap<>();
            try {
                for (String name : names) {
                    FloatBuffer b = buffers.get(name);
                    b.clear();
                    for (float[] row : inputs.get(name)) b.put(row);
                    b.flip();
                    tensors.put(name, OnnxTensor.createTensor(env, b, new long[] {batch, widths.get(name)}));
                }
                try (OrtSession.Result r = session.run(tensors)) {
                    return (float[][]) r.get(Manifest.USER_OUTPUT).orElseThrow().getValue();
                }
            } finally {
                for (OnnxTensor t : tensors.values()) t.close();
            }
        }
    }
}
