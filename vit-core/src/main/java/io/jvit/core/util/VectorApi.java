package io.jvit.core.util;

import java.util.function.IntSupplier;

/** Whether a Vector API kernel can run here: the one check behind every kernel's choice of its scalar fallback. */
public final class VectorApi {
    private VectorApi() {}

    /**
     * True when {@code -Djvit.vector} is not false, the {@code jdk.incubator.vector} module is present, and the kernel's
     * class links and has at least 4 float lanes ({@code lanes} reads its lane count, so a LinkageError shows here).
     */
    public static boolean usable(IntSupplier lanes) {
        if (!Boolean.parseBoolean(System.getProperty("jvit.vector", "true"))) return false;
        if (ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty()) return false;
        try {
            return lanes.getAsInt() >= 4;
        } catch (Throwable t) { // LinkageError etc.: run the scalar kernel
            return false;
        }
    }
}
