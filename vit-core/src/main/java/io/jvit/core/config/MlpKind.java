package io.jvit.core.config;

/** The feed-forward part of a block. */
public enum MlpKind {
    /** Linear → exact (erf) GELU → Linear, as in DINOv2 S/B/L and timm ViTs. */
    GELU,
    /** DINOv2-g's fused SwiGLU: one Linear to 2×hidden, silu(first half) × second half, Linear. */
    SWIGLU
}
