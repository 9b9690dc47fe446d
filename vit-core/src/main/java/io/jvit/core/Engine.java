package io.jvit.core;

import java.util.Locale;

/**
 * Which implementation runs a model: {@link #FAST}, this library's engine on float arrays (inference:
 * {@link io.jvit.core.fast.FastViT}; training: {@code io.jvit.train.engine}), or {@link #SAMEDIFF}, the ND4J SameDiff
 * graph it is checked against (outputs agree to 1e-4). Training writes the same state files on both.
 */
public enum Engine {
    /** Float arrays, our GEMM and the fused attention kernel: the default. */
    FAST,
    /** The ND4J SameDiff autodiff graph: the reference. */
    SAMEDIFF;

    /** "fast" or "samediff" (any case); anything else is refused. */
    public static Engine parse(String s) {
        if (s != null) for (Engine e : values()) if (e.name().equalsIgnoreCase(s.trim())) return e;
        throw new IllegalArgumentException("engine must be fast or samediff, got '" + s + "'");
    }

    /** The lower-case name, as {@link #parse} reads it. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
