package ai.mercury.testing;

import ai.mercury.bundle.BundleWriter;
import ai.mercury.bundle.DenseLayer;
import ai.mercury.bundle.TowerSpec;

import java.util.ArrayList;
import java.util.List;

/**
 * Fixture bundles whose user tower overflows to NaN for some contexts only, the way a badly
 * trained or badly exported model does: everything else about them is the fixture's.
 * The first hidden unit is made to reach about 1e39 (float overflow) for the chosen context
 * columns, and the output layer reads that unit, so the L2-normalised output is Inf/Inf = NaN.
 */
public final class OverflowBundle {
    /** Column of {@code ctx_country=France} in the fixture user tower's concatenated input. */
    public static final int FRANCE = 2;
    /** Column of {@code ctx_device=mobile}: ctx_country is 4 wide (OOV + 3 countries), then OOV, desktop, mobile. */
    public static final int MOBILE = 6;

    private OverflowBundle() {}

    /** A tower that overflows for country France, whatever else the request says. */
    public static BundleWriter.Content franceOverflows(String version) {
        return withFirstUnit(version, new int[] {FRANCE}, 3e38f, 0f);
    }

    /**
     * A tower that overflows only for France on mobile together: each alone drives the unit below
     * zero (ReLU gives 0), so a check that varies one context field at a time passes it.
     */
    public static BundleWriter.Content franceOnMobileOverflows(String version) {
        return withFirstUnit(version, new int[] {FRANCE, MOBILE}, 2e38f, -3e38f);
    }

    private static BundleWriter.Content withFirstUnit(String version, int[] columns, float weight, float bias) {
        BundleWriter.Content c = FixtureBundle.content(version);
        TowerSpec user = c.userTower();
        List<DenseLayer> layers = new ArrayList<>(user.layers());
        DenseLayer first = layers.get(0);
        float[][] w = first.weight();
        float[] b = first.bias();
        for (int col : columns) w[0][col] = weight;
        b[0] = bias;
        layers.set(0, new DenseLayer(w, b, first.activation()));
        DenseLayer out = layers.get(layers.size() - 1);
        float[][] ow = out.weight();
        for (float[] row : ow) row[0] = 10f; // amplify the unit past Float.MAX_VALUE
        layers.set(layers.size() - 1, new DenseLayer(ow, out.bias(), out.activation()));
        TowerSpec broken = new TowerSpec(user.inputs(), layers, user.residuals(), user.outputBlocks(), user.l2Normalize(), user.outputName());
        return new BundleWriter.Content(c.version(), c.featureSpec(), c.textEncoder(), broken, c.itemTower(), c.items(), c.itemVectors(),
                c.training(), c.evaluation());
    }
}
