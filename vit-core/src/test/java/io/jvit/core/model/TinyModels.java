package io.jvit.core.model;

import io.jvit.core.config.MlpKind;
import io.jvit.core.config.ViTConfig;
import io.jvit.core.pe.PositionalEncoding;

/** Models small enough for gradient checks: patch 2, width 8, 2 heads of 4, 1 block, CLS + 1 register. */
public final class TinyModels {
    private TinyModels() {}

    public static ViTConfig config(PositionalEncoding pe) {
        return new ViTConfig(2, 8, 1, 2, MlpKind.GELU, 16, true, true, 1, 1e-6, true, pe);
    }

    public static ViTConfig swiglu(PositionalEncoding pe) {
        return new ViTConfig(2, 8, 1, 2, MlpKind.SWIGLU, 8, true, true, 1, 1e-6, true, pe);
    }
}
