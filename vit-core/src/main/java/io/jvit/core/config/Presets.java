package io.jvit.core.config;

import io.jvit.core.pe.LearnedAbsolute;
import io.jvit.core.pe.Rope2d;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * The released DINOv2 and DINOv3 backbones by hub name.
 *
 * <p>DINOv2: patch 14, head width 64, LayerScale, qkv bias, LayerNorm eps 1e-6, a learned position embedding for a
 * 37×37 grid (518 px). The {@code _reg4} variants add 4 registers and resample the embedding with antialiasing and
 * offset 0; the originals use plain bicubic with DINOv2's 0.1 offset.
 *
 * <p>DINOv3 ({@code facebookresearch/dinov3} hub constructors): patch 16, head width 64, LayerScale, qkv bias with the
 * k third masked, LayerNorm eps 1e-5, 4 storage tokens after CLS (the register path), RoPE base 100 with
 * {@code "separate"} coordinates and no absolute embedding; the {@code plus} models use SwiGLU with ffn_ratio 6
 * (hidden {@link ViTConfig#swigluHidden}: 1536 for S+, 5120 for H+), the others a GELU MLP with ratio 4.
 * The 7B model ({@code dinov3_vit7b16}: no qkv bias, SwiGLU aligned to 64, separate local CLS norm) is not here.
 */
public final class Presets {
    private Presets() {}

    private static final Map<String, ViTConfig> PRESETS = new LinkedHashMap<>();

    static {
        add("dinov2_vits14", 384, 12, 6, MlpKind.GELU, 1536);
        add("dinov2_vitb14", 768, 12, 12, MlpKind.GELU, 3072);
        add("dinov2_vitl14", 1024, 24, 16, MlpKind.GELU, 4096);
        add("dinov2_vitg14", 1536, 40, 24, MlpKind.SWIGLU, 4096); // SwiGLU hidden: (int(6144·2/3) + 7) // 8 · 8
        addV3("dinov3_vits16", 384, 12, 6, MlpKind.GELU, 4);
        addV3("dinov3_vits16plus", 384, 12, 6, MlpKind.SWIGLU, 6);
        addV3("dinov3_vitb16", 768, 12, 12, MlpKind.GELU, 4);
        addV3("dinov3_vitl16", 1024, 24, 16, MlpKind.GELU, 4);
        addV3("dinov3_vith16plus", 1280, 32, 20, MlpKind.SWIGLU, 6);
    }

    /** A DINOv3 ViT as {@code _make_dinov3_vit} builds it for the hub. */
    private static void addV3(String name, int dim, int depth, int heads, MlpKind mlp, int ffnRatio) {
        int hidden = mlp == MlpKind.GELU ? dim * ffnRatio : ViTConfig.swigluHidden(dim * ffnRatio, 8);
        PRESETS.put(
                name,
                new ViTConfig(16, dim, depth, heads, mlp, hidden, true, true, 4, 1e-5, true, new Rope2d(100.0), true));
    }

    private static void add(String name, int dim, int depth, int heads, MlpKind mlp, int hidden) {
        PRESETS.put(
                name,
                new ViTConfig(
                        14,
                        dim,
                        depth,
                        heads,
                        mlp,
                        hidden,
                        true,
                        true,
                        0,
                        1e-6,
                        true,
                        new LearnedAbsolute(37, false, 0.1)));
        PRESETS.put(
                name + "_reg4",
                new ViTConfig(
                        14, dim, depth, heads, mlp, hidden, true, true, 4, 1e-6, true, LearnedAbsolute.dinov2(37)));
    }

    public static Set<String> names() {
        return PRESETS.keySet();
    }

    public static ViTConfig get(String name) {
        ViTConfig c = PRESETS.get(name);
        if (c == null)
            throw new IllegalArgumentException(
                    "unknown architecture '" + name + "' (known: " + String.join(", ", names()) + ")");
        return c;
    }
}
