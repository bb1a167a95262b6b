package ai.mercury.model;

import ai.djl.Device;
import ai.djl.MalformedModelException;
import ai.djl.Model;
import ai.djl.inference.Predictor;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.translate.NoopTranslator;
import ai.djl.translate.TranslateException;
import ai.djl.util.Pair;
import ai.mercury.feature.OnnxRuntimeNatives;
import ai.onnx.proto.OnnxMl;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * One served tower: an ONNX graph with named float inputs {@code [batch, width]} and one float output
 * {@code [batch, dim]}, run on DJL's OnnxRuntime engine.
 *
 * <p>The session is created with {@code intraOpThreads} intra-op threads, one inter-op thread,
 * sequential execution and intra-/inter-op spinning switched off
 * ({@code session.intra_op.allow_spinning=0}, {@code session.inter_op.allow_spinning=0}), so that idle
 * ORT threads do not burn the cores the server's own threads need.
 *
 * <p><b>Thread-safety:</b> {@link #embed} may be called from any number of threads at once. DJL
 * predictors are not thread-safe, so each call borrows one from a pool (creating one when the pool is
 * empty) and returns it afterwards; the pool therefore grows to the peak concurrency.
 *
 * <p><b>Ownership:</b> the caller of {@link #load} owns the tower and must {@link #close()} it; close
 * releases every predictor, the DJL model, the native ORT session and its options. It waits for
 * in-flight {@code embed} calls to finish, and later calls fail with {@link IllegalStateException}.
 */
public final class OnnxTower implements AutoCloseable {

    static final String ENGINE = "OnnxRuntime";
    /** Input buffers up to this many floats are kept with their predictor for reuse; larger ones are not. */
    private static final int MAX_RETAINED_FLOATS = 1 << 20;

    private final Path file;
    private final String outputName;
    private final Model model;
    private final OrtSession.SessionOptions sessionOptions;
    private final List<String> inputNames;
    private final int[] widths;
    private final Map<String, long[]> inputShapes;
    private final ConcurrentLinkedDeque<Slot> pool = new ConcurrentLinkedDeque<>();
    /** Read side held by each embed, write side by close: close never frees a session in use. */
    private final ReadWriteLock lifecycle = new ReentrantReadWriteLock();
    private volatile boolean closed;
    /** Set once by the load-time check, before the tower is returned. */
    private volatile int outputDim = -1;

    private OnnxTower(Path file, String outputName, Model model, OrtSession.SessionOptions sessionOptions,
                      List<String> inputNames, int[] widths) {
        this.file = file;
        this.outputName = outputName;
        this.model = model;
        this.sessionOptions = sessionOptions;
        this.inputNames = List.copyOf(inputNames);
        this.widths = widths;
        Map<String, long[]> shapes = new LinkedHashMap<>();
        for (int i = 0; i < widths.length; i++) {
            shapes.put(inputNames.get(i), new long[] {-1, widths[i]});
        }
        this.inputShapes = Collections.unmodifiableMap(shapes);
    }

    /**
     * Loads a tower and runs it once on a zero row to check that it produces {@code outputName} as
     * {@code [1, dim]}.
     *
     * @param onnxFile       the {@code .onnx} file
     * @param outputName     the graph output holding the embedding (e.g. {@code user_embedding})
     * @param intraOpThreads ORT intra-op threads per call, at least 1
     * @throws TowerLoadException naming the file, if it is missing, not a valid ONNX model, has inputs that
     *                            are not float {@code [batch, width]}, or lacks the output
     */
    public static OnnxTower load(Path onnxFile, String outputName, int intraOpThreads) throws TowerLoadException {
        Objects.requireNonNull(onnxFile, "onnxFile");
        Objects.requireNonNull(outputName, "outputName");
        if (intraOpThreads < 1) {
            throw new IllegalArgumentException("intraOpThreads must be >= 1, got " + intraOpThreads);
        }
        Path file = onnxFile.toAbsolutePath().normalize();
        if (!Files.isRegularFile(file)) {
            throw new TowerLoadException("No such ONNX tower file: " + file);
        }
        OrtSession.SessionOptions options = null;
        Model model = null;
        OnnxTower tower = null;
        try {
            OnnxRuntimeNatives.install();
            options = sessionOptions(intraOpThreads);
            model = Model.newInstance(file.getFileName().toString(), Device.cpu(), ENGINE);
            // DJL's Criteria only carries String options, and OrtModel's String options cannot set ORT
            // config entries (spinning); OrtModel does accept a ready SessionOptions under "sessionOptions"
            // through Model.load, and leaves closing it to us.
            model.load(file, file.getFileName().toString(), Map.of("sessionOptions", options));
            List<String> names = new ArrayList<>();
            for (Pair<String, Shape> p : model.describeInput()) {
                names.add(p.getKey());
            }
            // DJL's OrtSymbolBlock reports input names without shapes, so the widths come from the file.
            Map<String, long[]> declared = declaredInputShapes(file);
            int[] widths = new int[names.size()];
            for (int i = 0; i < names.size(); i++) {
                widths[i] = width(file, names.get(i), declared.get(names.get(i)));
            }
            tower = new OnnxTower(file, outputName, model, options, names, widths);
            float[][][] zeros = new float[names.size()][][];
            for (int i = 0; i < widths.length; i++) {
                zeros[i] = new float[1][widths[i]];
            }
            Slot slot = tower.newSlot();
            tower.pool.push(slot);
            try {
                tower.run(slot, zeros, 1);
            } catch (IllegalStateException e) {
                throw new TowerLoadException(e.getMessage(), e); // already names the file
            }
            return tower;
        } catch (TowerLoadException e) {
            closeQuietly(tower, model, options);
            throw e;
        } catch (IOException | MalformedModelException | OrtException | RuntimeException e) {
            closeQuietly(tower, model, options);
            throw new TowerLoadException("Cannot load ONNX tower " + file + ": " + rootMessage(e), e);
        }
    }

    private static OrtSession.SessionOptions sessionOptions(int intraOpThreads) throws OrtException {
        OrtSession.SessionOptions o = new OrtSession.SessionOptions();
        try {
            o.setIntraOpNumThreads(intraOpThreads);
            o.setInterOpNumThreads(1);
            o.setExecutionMode(OrtSession.SessionOptions.ExecutionMode.SEQUENTIAL);
            o.addConfigEntry("session.intra_op.allow_spinning", "0");
            o.addConfigEntry("session.inter_op.allow_spinning", "0");
            return o;
        } catch (OrtException | RuntimeException e) {
            o.close();
            throw e;
        }
    }

    /** Graph inputs that are not initializers, with -1 for symbolic or unknown dimensions. */
    private static Map<String, long[]> declaredInputShapes(Path file) throws IOException, TowerLoadException {
        OnnxMl.GraphProto graph;
        try {
            graph = OnnxMl.ModelProto.parseFrom(Files.readAllBytes(file)).getGraph();
        } catch (com.google.protobuf.InvalidProtocolBufferException e) {
            throw new TowerLoadException("Cannot parse ONNX tower " + file + ": " + e.getMessage(), e);
        }
        java.util.Set<String> initializers = new java.util.HashSet<>();
        for (OnnxMl.TensorProto t : graph.getInitializerList()) {
            initializers.add(t.getName());
        }
        Map<String, long[]> shapes = new HashMap<>();
        for (OnnxMl.ValueInfoProto v : graph.getInputList()) {
            if (initializers.contains(v.getName())) {
                continue;
            }
            OnnxMl.TypeProto.Tensor t = v.getType().getTensorType();
            if (t.getElemType() != OnnxMl.TensorProto.DataType.FLOAT.getNumber()) {
                throw new TowerLoadException("ONNX tower " + file + ": input '" + v.getName()
                        + "' is not a float tensor");
            }
            long[] dims = new long[t.getShape().getDimCount()];
            for (int d = 0; d < dims.length; d++) {
                OnnxMl.TensorShapeProto.Dimension dim = t.getShape().getDim(d);
                dims[d] = dim.hasDimValue() ? dim.getDimValue() : -1;
            }
            shapes.put(v.getName(), dims);
        }
        return shapes;
    }

    private static int width(Path file, String name, long[] dims) throws TowerLoadException {
        if (dims == null || dims.length != 2 || dims[1] <= 0 || dims[1] > Integer.MAX_VALUE) {
            throw new TowerLoadException("ONNX tower " + file + ": input '" + name + "' has shape "
                    + (dims == null ? "unknown" : Arrays.toString(dims)) + ", expected [batch, width]");
        }
        return (int) dims[1];
    }

    /** The absolute path the tower was loaded from. */
    public Path file() {
        return file;
    }

    /** Name of the graph output holding the embedding. */
    public String outputName() {
        return outputName;
    }

    /** Width of the embedding, as observed on the load-time check. */
    public int outputDim() {
        return outputDim;
    }

    /** Input names in the order the session declares them. */
    public List<String> inputNames() {
        return inputNames;
    }

    /** Each input's shape, {@code [-1, width]} (-1 marks the batch dimension), in {@link #inputNames()} order. */
    public Map<String, long[]> inputShapes() {
        Map<String, long[]> copy = new LinkedHashMap<>();
        inputShapes.forEach((k, v) -> copy.put(k, v.clone()));
        return Collections.unmodifiableMap(copy);
    }

    /**
     * Embeds a batch.
     *
     * @param inputs one {@code [batch][width]} array per input name, all with the same batch size
     * @return {@code [batch][outputDim()]}
     * @throws IllegalArgumentException naming the input, on a missing, unknown or misshapen input
     * @throws IllegalStateException    if the tower is closed, or the engine fails
     */
    public float[][] embed(Map<String, float[][]> inputs) {
        Objects.requireNonNull(inputs, "inputs");
        float[][][] ordered = new float[widths.length][][];
        int batch = validate(inputs, ordered);
        lifecycle.readLock().lock();
        try {
            if (closed) {
                throw new IllegalStateException("ONNX tower " + file + " is closed");
            }
            if (batch == 0) {
                return new float[0][];
            }
            Slot slot = pool.pollFirst();
            if (slot == null) {
                slot = newSlot();
            }
            try {
                return run(slot, ordered, batch);
            } finally {
                pool.offerFirst(slot);
            }
        } finally {
            lifecycle.readLock().unlock();
        }
    }

    private int validate(Map<String, float[][]> inputs, float[][][] ordered) {
        int batch = -1;
        for (int i = 0; i < widths.length; i++) {
            String name = inputNames.get(i);
            float[][] rows = inputs.get(name);
            if (rows == null) {
                throw new IllegalArgumentException("missing tower input '" + name + "' for " + file.getFileName());
            }
            if (batch < 0) {
                batch = rows.length;
            } else if (rows.length != batch) {
                throw new IllegalArgumentException("tower input '" + name + "' has " + rows.length
                        + " rows, expected " + batch);
            }
            for (int b = 0; b < rows.length; b++) {
                if (rows[b] == null || rows[b].length != widths[i]) {
                    throw new IllegalArgumentException("tower input '" + name + "' row " + b + " has width "
                            + (rows[b] == null ? "null" : rows[b].length) + ", expected " + widths[i]);
                }
            }
            ordered[i] = rows;
        }
        if (inputs.size() != widths.length) {
            for (String name : inputs.keySet()) {
                if (!inputNames.contains(name)) {
                    throw new IllegalArgumentException("unknown tower input '" + name + "' for "
                            + file.getFileName() + "; expected " + inputNames);
                }
            }
        }
        return batch;
    }

    private Slot newSlot() {
        return new Slot(model.newPredictor(new NoopTranslator()), widths.length);
    }

    private float[][] run(Slot slot, float[][][] ordered, int batch) {
        try (NDManager manager = model.getNDManager().newSubManager()) {
            NDList list = new NDList(ordered.length);
            for (int i = 0; i < ordered.length; i++) {
                FloatBuffer buf = slot.buffer(i, batch * widths[i]);
                for (float[] row : ordered[i]) {
                    buf.put(row);
                }
                buf.flip();
                NDArray array = manager.create(buf, new Shape(batch, widths[i]), DataType.FLOAT32);
                array.setName(inputNames.get(i));
                list.add(array);
            }
            NDList out = slot.predictor.predict(list);
            NDArray embedding = out.get(outputName);
            if (embedding == null) {
                throw new IllegalStateException("ONNX tower " + file + " has no output '" + outputName
                        + "'; outputs: " + out.stream().map(NDArray::getName).toList());
            }
            long[] shape = embedding.getShape().getShape();
            if (shape.length != 2 || shape[0] != batch || (outputDim >= 0 && shape[1] != outputDim)) {
                throw new IllegalStateException("ONNX tower " + file + " output '" + outputName + "' has shape "
                        + Arrays.toString(shape) + ", expected [" + batch + ", " + (outputDim >= 0 ? outputDim : "dim") + "]");
            }
            if (outputDim < 0) {
                outputDim = (int) shape[1];
            }
            FloatBuffer values = embedding.toByteBuffer().asFloatBuffer();
            float[][] result = new float[batch][outputDim];
            for (float[] row : result) {
                values.get(row);
            }
            return result;
        } catch (TranslateException e) {
            throw new IllegalStateException("ONNX tower " + file + " failed: " + rootMessage(e), e);
        }
    }

    /**
     * Closes every pooled predictor, the model, its ORT session and the session options. Idempotent;
     * waits for running {@link #embed} calls.
     */
    @Override
    public void close() {
        lifecycle.writeLock().lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            for (Slot s = pool.pollFirst(); s != null; s = pool.pollFirst()) {
                s.predictor.close();
            }
            model.close();
            sessionOptions.close();
        } finally {
            lifecycle.writeLock().unlock();
        }
    }

    /** For tests: the ORT config entries the session was created with. */
    Map<String, String> sessionConfigEntries() {
        return sessionOptions.getConfigEntries();
    }

    private static void closeQuietly(OnnxTower tower, Model model, OrtSession.SessionOptions options) {
        if (tower != null) {
            tower.close();
            return;
        }
        if (model != null) {
            try {
                model.close();
            } catch (RuntimeException ignored) {
                // already failing; the load error is the one worth reporting
            }
        }
        if (options != null) {
            options.close();
        }
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        String m = t.getMessage();
        return m == null ? t.getClass().getSimpleName() : m;
    }

    /**
     * A predictor plus its direct input buffers. ORT wraps a direct native-order buffer without copying,
     * and a slot is used by one thread at a time, so the buffers are refilled in place on every call.
     */
    private static final class Slot {
        final Predictor<NDList, NDList> predictor;
        final FloatBuffer[] buffers;

        Slot(Predictor<NDList, NDList> predictor, int inputs) {
            this.predictor = predictor;
            this.buffers = new FloatBuffer[inputs];
        }

        FloatBuffer buffer(int input, int floats) {
            FloatBuffer b = buffers[input];
            if (b == null || b.capacity() < floats) {
                int capacity = b == null ? floats : Math.max(floats, 2 * b.capacity());
                if (capacity > MAX_RETAINED_FLOATS) {
                    capacity = floats;
                }
                b = ByteBuffer.allocateDirect(Math.multiplyExact(capacity, Float.BYTES))
                        .order(ByteOrder.nativeOrder()).asFloatBuffer();
                if (capacity > MAX_RETAINED_FLOATS) {
                    return b;
                }
                buffers[input] = b;
            }
            b.clear();
            return b;
        }
    }
}
