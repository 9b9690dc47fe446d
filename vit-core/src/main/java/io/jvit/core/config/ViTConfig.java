package io.jvit.core.config;

import io.jvit.core.pe.PositionalEncoding;

import java.util.Objects;

/**
 * Everything that fixes the shape of a Vision Transformer. Defaults below are DINOv2 ViT-S/14-reg4.
 *
 * @param patchSize     pixels per patch side (DINOv2: 14, DINOv3: 16)
 * @param embedDim      token width C (ViT-S 384, B 768, L 1024, g 1536)
 * @param depth         number of transformer blocks (S/B 12, L 24, g 40)
 * @param numHeads      attention heads; head width = embedDim / numHeads (64 in every DINOv2 model)
 * @param mlpKind       GELU MLP or SwiGLU (DINOv2-g)
 * @param mlpHidden     hidden width of the MLP (GELU: 4·C; SwiGLU: the width of each half)
 * @param layerScale    whether blocks scale their residual branches by learned gammas (DINOv2: yes)
 * @param clsToken      whether a CLS token is prepended
 * @param numRegisters  register tokens after the CLS token (DINOv2-reg: 4)
 * @param layerNormEps  LayerNorm epsilon (DINOv2/timm: 1e-6)
 * @param qkvBias       whether the qkv projection has a bias
 * @param pe            the positional encoding (learned absolute, sin-cos, RoPE, ALiBi or none)
 */
public record ViTConfig(
        int patchSize,
        int embedDim,
        int depth,
        int numHeads,
        MlpKind mlpKind,
        int mlpHidden,
        boolean layerScale,
        boolean clsToken,
        int numRegisters,
        double layerNormEps,
        boolean qkvBias,
        PositionalEncoding pe) {

    public ViTConfig {
        Objects.requireNonNull(mlpKind, "mlpKind");
        Objects.requireNonNull(pe, "pe");
        require(patchSize > 0, "patchSize must be > 0");
        require(embedDim > 0 && depth > 0 && numHeads > 0, "embedDim, depth and numHeads must be > 0");
        require(embedDim % numHeads == 0, "embedDim " + embedDim + " is not divisible by numHeads " + numHeads);
        require(mlpHidden > 0, "mlpHidden must be > 0");
        require(numRegisters >= 0, "numRegisters must be >= 0");
    }

    private static void require(boolean ok, String msg) {
        if (!ok) throw new IllegalArgumentException(msg);
    }

    public int headDim() { return embedDim / numHeads; }

    /** Tokens before the patches: CLS (if any) and registers. */
    public int numPrefixTokens() { return (clsToken ? 1 : 0) + numRegisters; }

    public ViTConfig withPe(PositionalEncoding newPe) {
        return new ViTConfig(patchSize, embedDim, depth, numHeads, mlpKind, mlpHidden, layerScale, clsToken,
                numRegisters, layerNormEps, qkvBias, newPe);
    }

    /** A timm-style ViT: the generic builder for models that are not one of the presets. */
    public static ViTConfig timmStyle(int patchSize, int embedDim, int depth, int numHeads, double mlpRatio,
                                      boolean layerScale, boolean clsToken, int numRegisters,
                                      PositionalEncoding pe) {
        return new ViTConfig(patchSize, embedDim, depth, numHeads, MlpKind.GELU, (int) Math.round(embedDim * mlpRatio),
                layerScale, clsToken, numRegisters, 1e-6, true, pe);
    }
}
