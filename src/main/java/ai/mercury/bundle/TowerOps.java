package ai.mercury.bundle;

import ai.onnx.proto.OnnxMl;
import java.util.Map;
import java.util.Set;
import org.tribuo.util.onnx.ONNXAttribute;
import org.tribuo.util.onnx.ONNXOperator;

/**
 * The opset-13 operators a tower needs that tribuo-util-onnx 4.3.2's {@code ONNXOperators} lacks.
 * (Tribuo has {@code Concat} and {@code Gemm}; it has no {@code Relu} and no {@code LpNormalization}.)
 */
enum TowerOps implements ONNXOperator {
    /** Element-wise {@code max(0, x)}. */
    RELU("Relu", Map.of(), Set.of()),
    /** {@code x / ||x||_p} along {@code axis}; ORT returns zero for a zero slice. */
    LP_NORMALIZATION("LpNormalization",
            Map.of("axis", new ONNXAttribute("axis", OnnxMl.AttributeProto.AttributeType.INT, false),
                    "p", new ONNXAttribute("p", OnnxMl.AttributeProto.AttributeType.INT, false)),
            Set.of());

    /** Must match the opset import written by {@link OnnxTowerExporter}. */
    static final int OPSET_VERSION = 13;

    private final String opName;
    private final Map<String, ONNXAttribute> attributes;
    private final Set<String> mandatory;

    TowerOps(String opName, Map<String, ONNXAttribute> attributes, Set<String> mandatory) {
        this.opName = opName;
        this.attributes = attributes;
        this.mandatory = mandatory;
    }

    @Override
    public String getOpName() {
        return opName;
    }

    @Override
    public int getNumInputs() {
        return 1;
    }

    @Override
    public int getNumOptionalInputs() {
        return 0;
    }

    @Override
    public int getNumOutputs() {
        return 1;
    }

    @Override
    public Map<String, ONNXAttribute> getAttributes() {
        return attributes;
    }

    @Override
    public Set<String> getMandatoryAttributeNames() {
        return mandatory;
    }

    @Override
    public int getOpVersion() {
        return OPSET_VERSION;
    }

    @Override
    public String getOpDomain() {
        return null;
    }
}
