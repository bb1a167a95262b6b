package ai.mercury.bundle;

import ai.mercury.core.TowerInput;

import ai.onnx.proto.OnnxMl;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.tribuo.util.onnx.ONNXContext;
import org.tribuo.util.onnx.ONNXInitializer;
import org.tribuo.util.onnx.ONNXOperators;
import org.tribuo.util.onnx.ONNXPlaceholder;
import org.tribuo.util.onnx.ONNXRef;

/**
 * Writes a {@link TowerSpec} as an ONNX model (opset 13, IR version 8) with tribuo-util-onnx.
 *
 * <p>Graph: one float input {@code [batch, width]} per {@link TowerInput}, named exactly as the
 * spec says (symbolic batch dimension {@code "batch"}); {@code Concat(axis=1)} when there is more than one
 * input; per layer {@code Gemm(transB=1)} with the {@code [out][in]} weight and {@code [out]} bias as
 * initializers, followed by {@code Relu} when the layer asks for it; per residual path a
 * {@code Gemm(input, R, out, transB=1)} that adds {@code input·Rᵀ} to the running output;
 * {@code LpNormalization(axis=1, p=2)} when {@code l2Normalize}; with output blocks, per block a
 * {@code Gather(axis=1)} of its columns, {@code LpNormalization} when the block asks for it, a {@code Mul}
 * by its scale when that is not 1, and a
 * {@code Concat(axis=1)} of the blocks; an {@code Identity} onto the float output {@code [batch, outDim]} named
 * {@code outputName}. Stateless and thread-safe.
 */
public final class OnnxTowerExporter {

    /** ONNX IR version written; ONNX Runtime 1.21 reads up to 10. */
    static final long IR_VERSION = 8L;

    private OnnxTowerExporter() {
    }

    /**
     * Serialises {@code spec} as an ONNX {@code ModelProto}.
     *
     * @param graphName name stored in the graph (e.g. {@code "user_tower"})
     * @return the model bytes, ready to be written to a {@code .onnx} file
     * @throws IllegalArgumentException if an input or output name collides with a generated node name
     */
    public static byte[] export(TowerSpec spec, String graphName) {
        return toModelProto(spec, graphName).toByteArray();
    }

    static OnnxMl.ModelProto toModelProto(TowerSpec spec, String graphName) {
        Objects.requireNonNull(spec, "spec");
        Objects.requireNonNull(graphName, "graphName");
        ONNXContext ctx = new ONNXContext();
        ctx.setName(graphName);

        List<ONNXPlaceholder> inputs = new ArrayList<>(spec.inputs().size());
        for (TowerInput in : spec.inputs()) {
            inputs.add(ctx.floatInput(in.name(), in.width()));
        }
        ONNXRef<?> x = inputs.size() == 1
                ? inputs.get(0)
                : ctx.operation(ONNXOperators.CONCAT, inputs, "tower_concat", Map.of("axis", 1));

        for (int l = 0; l < spec.layers().size(); l++) {
            DenseLayer layer = spec.layers().get(l);
            ONNXInitializer w = ctx.floatTensor("tower_w" + l, List.of(layer.outDim(), layer.inDim()),
                    layer::copyWeightsTo);
            ONNXInitializer b = ctx.array("tower_b" + l, layer.bias());
            x = ctx.operation(ONNXOperators.GEMM, List.of(x, w, b), "tower_gemm" + l, Map.of("transB", 1));
            if (layer.activation() == DenseLayer.Activation.RELU) {
                x = ctx.operation(TowerOps.RELU, List.of(x), "tower_relu" + l, Map.of());
            }
        }
        for (int r = 0; r < spec.residuals().size(); r++) {
            TowerSpec.Residual res = spec.residuals().get(r);
            ONNXRef<?> in = inputs.get(indexOf(spec, res.input()));
            ONNXInitializer w = ctx.floatTensor("tower_res_w" + r, List.of(res.outDim(), res.inDim()), res::copyWeightsTo);
            // Gemm's C operand carries the running output: out = in·Rᵀ + out, one node per path.
            x = ctx.operation(ONNXOperators.GEMM, List.of(in, w, x), "tower_res" + r, Map.of("transB", 1));
        }
        if (spec.l2Normalize()) {
            // Tribuo writes attributes in the map's iteration order; Map.of's order changes from one JVM
            // to the next, which made the .onnx bytes (and so the bundle checksums) irreproducible.
            Map<String, Object> l2 = new LinkedHashMap<>();
            l2.put("axis", 1);
            l2.put("p", 2);
            x = ctx.operation(TowerOps.LP_NORMALIZATION, List.of(x), "tower_l2", l2);
        }
        if (!spec.outputBlocks().isEmpty()) {
            // Gather(axis=1) cuts each block out (tribuo has no Slice), LpNormalization normalises it, Concat rejoins.
            List<ONNXRef<?>> blocks = new ArrayList<>();
            int from = 0;
            for (int k = 0; k < spec.outputBlocks().size(); k++) {
                TowerSpec.OutputBlock block = spec.outputBlocks().get(k);
                long[] idx = new long[block.width()];
                for (int i = 0; i < idx.length; i++) {
                    idx[i] = from + i;
                }
                ONNXRef<?> part = ctx.operation(ONNXOperators.GATHER, List.of(x, ctx.array("tower_block_idx" + k, idx)),
                        "tower_block" + k, Map.of("axis", 1));
                ONNXRef<?> before = part;
                if (block.l2()) {
                    Map<String, Object> l2 = new LinkedHashMap<>();
                    l2.put("axis", 1);
                    l2.put("p", 2);
                    part = ctx.operation(TowerOps.LP_NORMALIZATION, List.of(part), "tower_block_l2_" + k, l2);
                }
                if (block.scale() != 1f) {
                    part = ctx.operation(ONNXOperators.MUL, List.of(part, ctx.constant("tower_block_scale" + k, block.scale())),
                            "tower_block_scaled" + k, Map.of());
                }
                if (block.raw() != 0f) {
                    ONNXRef<?> raw = ctx.operation(ONNXOperators.MUL, List.of(before, ctx.constant("tower_block_raw_scale" + k, block.raw())),
                            "tower_block_raw" + k, Map.of());
                    part = ctx.operation(ONNXOperators.ADD, List.of(part, raw), "tower_block_plus_raw" + k, Map.of());
                }
                blocks.add(part);
                from += block.width();
            }
            x = blocks.size() == 1 ? blocks.get(0) : ctx.operation(ONNXOperators.CONCAT, blocks, "tower_blocks", Map.of("axis", 1));
        }
        ctx.assignTo(x, ctx.floatOutput(spec.outputName(), spec.outputDim()));

        OnnxMl.GraphProto graph = ctx.buildGraph();
        checkUniqueNames(graph);
        return OnnxMl.ModelProto.newBuilder()
                .setIrVersion(IR_VERSION)
                .setProducerName("mercury")
                .setModelVersion(1L)
                .setGraph(graph)
                .addOpsetImport(ONNXOperators.getOpsetProto())
                .build();
    }

    private static int indexOf(TowerSpec spec, String input) {
        for (int k = 0; k < spec.inputs().size(); k++) {
            if (spec.inputs().get(k).name().equals(input)) {
                return k;
            }
        }
        throw new IllegalArgumentException("no tower input '" + input + "'");
    }

    /** Generated names ("tower_gemm0_0", ...) could clash with a caller's input or output name. */
    private static void checkUniqueNames(OnnxMl.GraphProto graph) {
        Set<String> seen = new HashSet<>();
        for (OnnxMl.ValueInfoProto v : graph.getInputList()) {
            requireNew(seen, v.getName());
        }
        for (OnnxMl.TensorProto t : graph.getInitializerList()) {
            requireNew(seen, t.getName());
        }
        for (OnnxMl.NodeProto n : graph.getNodeList()) {
            for (String out : n.getOutputList()) {
                requireNew(seen, out);
            }
        }
    }

    private static void requireNew(Set<String> seen, String name) {
        if (!seen.add(name)) {
            throw new IllegalArgumentException("ONNX value name '" + name
                    + "' is used twice; rename the tower input or output (names starting with 'tower_' are reserved)");
        }
    }
}
