package io.jvit.core.config;

import io.jvit.core.pe.LearnedAbsolute;
import io.jvit.core.pe.PositionalEncoding;
import java.util.Objects;

/**
 * Everything that fixes the shape of a Vision Transformer. Build one by name with {@link #builder()} (defaults:
 * DINOv2 ViT-S/14-reg4), take a released one from {@link Presets}, or call the canonical constructor.
 *
 * <pre>{@code
 * ViTConfig tiny = ViTConfig.builder().patchSize(8).embedDim(96).numHeads(2).depth(4).pe(Alibi2d.paperDefault()).build();
 * }</pre>
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
 * @param maskKBias     whether the key third of the qkv bias is masked to zero (DINOv3's {@code LinearKMaskedBias}:
 *                      the checkpoint holds a k bias that the model never uses)
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
        PositionalEncoding pe,
        boolean maskKBias) {

    public ViTConfig {
        Objects.requireNonNull(mlpKind, "mlpKind");
        Objects.requireNonNull(pe, "pe");
        require(patchSize > 0, "patchSize must be > 0");
        require(embedDim > 0 && depth > 0 && numHeads > 0, "embedDim, depth and numHeads must be > 0");
        require(embedDim % numHeads == 0, "embedDim " + embedDim + " is not divisible by numHeads " + numHeads);
        require(mlpHidden > 0, "mlpHidden must be > 0");
        require(numRegisters >= 0, "numRegisters must be >= 0");
        require(!maskKBias || qkvBias, "maskKBias needs a qkv bias");
    }

    /** A configuration without a masked k bias (every model but DINOv3). */
    public ViTConfig(
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
        this(
                patchSize,
                embedDim,
                depth,
                numHeads,
                mlpKind,
                mlpHidden,
                layerScale,
                clsToken,
                numRegisters,
                layerNormEps,
                qkvBias,
                pe,
                false);
    }

    private static void require(boolean ok, String msg) {
        if (!ok) throw new IllegalArgumentException(msg);
    }

    /** Head width: {@code embedDim / numHeads}. */
    public int headDim() {
        return embedDim / numHeads;
    }

    /** Tokens before the patches: CLS (if any) and registers. */
    public int numPrefixTokens() {
        return (clsToken ? 1 : 0) + numRegisters;
    }

    /** This configuration with another positional encoding. */
    public ViTConfig withPe(PositionalEncoding newPe) {
        return new ViTConfig(
                patchSize,
                embedDim,
                depth,
                numHeads,
                mlpKind,
                mlpHidden,
                layerScale,
                clsToken,
                numRegisters,
                layerNormEps,
                qkvBias,
                newPe,
                maskKBias);
    }

    /**
     * The hidden width of a SwiGLU FFN as DINOv2 and DINOv3 size it ({@code SwiGLUFFN}): two thirds of
     * {@code hiddenFeatures} (= width · ffn_ratio), truncated, then rounded up to a multiple of {@code alignTo} (8).
     */
    public static int swigluHidden(int hiddenFeatures, int alignTo) {
        int d = (int) (hiddenFeatures * 2.0 / 3.0);
        return (d + alignTo - 1) / alignTo * alignTo;
    }

    /** A timm-style ViT: the generic builder for models that are not one of the presets. */
    public static ViTConfig timmStyle(
            int patchSize,
            int embedDim,
            int depth,
            int numHeads,
            double mlpRatio,
            boolean layerScale,
            boolean clsToken,
            int numRegisters,
            PositionalEncoding pe) {
        return new ViTConfig(
                patchSize,
                embedDim,
                depth,
                numHeads,
                MlpKind.GELU,
                (int) Math.round(embedDim * mlpRatio),
                layerScale,
                clsToken,
                numRegisters,
                1e-6,
                true,
                pe);
    }

    /** A builder holding DINOv2 ViT-S/14-reg4's values, each to be overridden by name. */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder holding this configuration's values. */
    public Builder toBuilder() {
        return builder()
                .patchSize(patchSize)
                .embedDim(embedDim)
                .depth(depth)
                .numHeads(numHeads)
                .mlpKind(mlpKind)
                .mlpHidden(mlpHidden)
                .layerScale(layerScale)
                .clsToken(clsToken)
                .numRegisters(numRegisters)
                .layerNormEps(layerNormEps)
                .qkvBias(qkvBias)
                .pe(pe)
                .maskKBias(maskKBias);
    }

    /**
     * Named arguments for {@link ViTConfig}. Unset values are DINOv2 ViT-S/14-reg4's, except the two that follow the
     * width: {@code numHeads} (head width 64, as in every DINOv2 model) and {@code mlpHidden} (4 × width).
     */
    public static final class Builder {
        private int patchSize = 14; // DINOv2; DINOv3 uses 16
        private int embedDim = 384; // ViT-S
        private int depth = 12; // ViT-S/B; L 24, g 40
        private Integer numHeads; // null: embedDim / 64
        private MlpKind mlpKind = MlpKind.GELU; // SwiGLU only in DINOv2-g
        private Integer mlpHidden; // null: 4 · embedDim
        private boolean layerScale = true; // DINOv2 scales its residual branches
        private boolean clsToken = true;
        private int numRegisters = 4; // the "-reg4" models; 0 for the originals
        private double layerNormEps = 1e-6; // DINOv2 and timm (PyTorch's default 1e-5 is not theirs)
        private boolean qkvBias = true;
        private PositionalEncoding pe = LearnedAbsolute.dinov2(37); // a 37×37 table: trained at 518 px
        private boolean maskKBias = false; // DINOv3 masks the k third of the qkv bias

        private Builder() {}

        /** Pixels per patch side. */
        public Builder patchSize(int v) {
            patchSize = v;
            return this;
        }
        /** Token width C. */
        public Builder embedDim(int v) {
            embedDim = v;
            return this;
        }
        /** Number of transformer blocks. */
        public Builder depth(int v) {
            depth = v;
            return this;
        }
        /** Attention heads (default: embedDim / 64). */
        public Builder numHeads(int v) {
            numHeads = v;
            return this;
        }
        /** GELU MLP or SwiGLU. */
        public Builder mlpKind(MlpKind v) {
            mlpKind = v;
            return this;
        }
        /** Hidden width of the MLP (default: 4 · embedDim). */
        public Builder mlpHidden(int v) {
            mlpHidden = v;
            return this;
        }
        /** Whether blocks scale their residual branches by learned gammas. */
        public Builder layerScale(boolean v) {
            layerScale = v;
            return this;
        }
        /** Whether a CLS token is prepended. */
        public Builder clsToken(boolean v) {
            clsToken = v;
            return this;
        }
        /** Register tokens after the CLS token. */
        public Builder numRegisters(int v) {
            numRegisters = v;
            return this;
        }
        /** LayerNorm epsilon. */
        public Builder layerNormEps(double v) {
            layerNormEps = v;
            return this;
        }
        /** Whether the qkv projection has a bias. */
        public Builder qkvBias(boolean v) {
            qkvBias = v;
            return this;
        }
        /** The positional encoding. */
        public Builder pe(PositionalEncoding v) {
            pe = v;
            return this;
        }
        /** Whether the key third of the qkv bias is masked to zero (DINOv3). */
        public Builder maskKBias(boolean v) {
            maskKBias = v;
            return this;
        }

        /**
         * The configuration.
         *
         * @throws IllegalArgumentException when a value is out of range, or no head count was given for a width that
         *                                  is not a multiple of 64
         */
        public ViTConfig build() {
            int heads;
            if (numHeads != null) heads = numHeads;
            else if (embedDim > 0 && embedDim % 64 == 0) heads = embedDim / 64;
            else throw new IllegalArgumentException("embedDim " + embedDim + " is not a multiple of 64: give numHeads");
            return new ViTConfig(
                    patchSize,
                    embedDim,
                    depth,
                    heads,
                    mlpKind,
                    mlpHidden != null ? mlpHidden : 4 * embedDim,
                    layerScale,
                    clsToken,
                    numRegisters,
                    layerNormEps,
                    qkvBias,
                    pe,
                    maskKBias);
        }
    }
}
