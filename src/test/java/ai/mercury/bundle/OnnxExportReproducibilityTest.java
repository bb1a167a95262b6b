package ai.mercury.bundle;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.mercury.core.TowerInput;
import ai.onnx.proto.OnnxMl;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Regression: the LpNormalization attributes were passed to Tribuo in a {@code Map.of}, whose iteration
 * order is re-salted in every JVM, so the same tower exported to different bytes from one run to the
 * next (and the committed fixture's checksums matched its generator only half of the time).
 */
class OnnxExportReproducibilityTest {
    private static final TowerSpec SPEC = TowerSpec.randomInit(List.of(new TowerInput("a", 3), new TowerInput("b", 2)),
            new int[] {4}, 2, true, "y", 11L);

    @Test
    void export_l2Normalisation_writesAttributesInFixedOrder() {
        OnnxMl.GraphProto graph = OnnxTowerExporter.toModelProto(SPEC, "g").getGraph();
        OnnxMl.NodeProto l2 = graph.getNodeList().stream()
                .filter(n -> n.getOpType().equals("LpNormalization")).findFirst().orElseThrow();
        assertEquals(List.of("axis", "p"), l2.getAttributeList().stream().map(OnnxMl.AttributeProto::getName).toList());
        for (OnnxMl.NodeProto node : graph.getNodeList()) {
            assertTrue(node.getAttributeCount() <= 1 || node.getOpType().equals("LpNormalization"),
                    node.getOpType() + " has several attributes: give them a fixed order too");
        }
    }

    @Test
    void export_sameSpecTwice_givesSameBytes() {
        assertArrayEquals(OnnxTowerExporter.export(SPEC, "g"), OnnxTowerExporter.export(SPEC, "g"));
    }
}
