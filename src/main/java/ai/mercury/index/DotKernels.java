package ai.mercury.index;

import java.lang.System.Logger.Level;

/**
 * Picks the dot-product kernel once per JVM: the Vector API one when the incubator module
 * {@code jdk.incubator.vector} is in the boot layer (run with
 * {@code --add-modules jdk.incubator.vector}), the scalar one otherwise. The system property
 * {@code mercury.index.simd=false} forces the scalar kernel.
 */
final class DotKernels {

    static final String VECTOR_MODULE = "jdk.incubator.vector";

    private static final System.Logger LOG = System.getLogger(DotKernels.class.getName());
    private static final DotKernel BEST = select();

    private DotKernels() {}

    /** The kernel chosen for this JVM. */
    static DotKernel best() {
        return BEST;
    }

    /** Whether the Vector API module is present at run time. */
    static boolean vectorModulePresent() {
        return ModuleLayer.boot().findModule(VECTOR_MODULE).isPresent();
    }

    private static DotKernel select() {
        if (!Boolean.parseBoolean(System.getProperty("mercury.index.simd", "true"))) {
            LOG.log(Level.INFO, "exact index: scalar dot products (mercury.index.simd=false)");
            return ScalarDotKernel.INSTANCE;
        }
        if (!vectorModulePresent()) {
            LOG.log(Level.INFO, "exact index: scalar dot products ({0} not present; start the JVM with "
                    + "--add-modules {0} for SIMD)", VECTOR_MODULE);
            return ScalarDotKernel.INSTANCE;
        }
        try {
            // Loaded by name so that the class (and its jdk.incubator.vector references) is never
            // resolved on a JVM without the module.
            DotKernel k = (DotKernel) Class.forName("ai.mercury.index.VectorDotKernel")
                    .getDeclaredConstructor().newInstance();
            LOG.log(Level.INFO, "exact index: Vector API dot products ({0})", k.name());
            return k;
        } catch (ReflectiveOperationException | LinkageError e) {
            LOG.log(Level.WARNING, "exact index: Vector API unavailable, using scalar dot products", e);
            return ScalarDotKernel.INSTANCE;
        }
    }

    /** The Vector API kernel, for tests and benchmarks; fails if the module is absent. */
    static DotKernel vector() {
        try {
            return (DotKernel) Class.forName("ai.mercury.index.VectorDotKernel")
                    .getDeclaredConstructor().newInstance();
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }
}
