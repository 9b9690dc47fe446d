package io.jvit.core.pe;

import io.jvit.core.config.ViTConfig;
import java.util.Map;
import org.nd4j.autodiff.samediff.SDVariable;

/**
 * Where position enters a ViT. An encoding may do any of three things, each optional:
 * add an embedding to the patch tokens, rotate queries and keys (RoPE), or add a bias to the
 * attention logits (ALiBi). Prefix tokens (CLS, registers) are never given a position.
 *
 * <p>One small record per variant: {@link LearnedAbsolute}, {@link SinCos2d}, {@link Rope2d},
 * {@link Alibi2d}, {@link NoPE}.
 */
public sealed interface PositionalEncoding permits LearnedAbsolute, SinCos2d, Rope2d, Alibi2d, NoPE {

    /** Short name, as on the command line: learned, sincos, rope, alibi, none. */
    String name();

    /** The trainable parameters this encoding owns, by canonical name, with their shapes. */
    default Map<String, long[]> parameterShapes(ViTConfig config) {
        return Map.of();
    }

    /** Added to the patch tokens right after patch embedding: shape (h·w, C); null for none. */
    default SDVariable patchEmbedding(GraphContext g) {
        return null;
    }

    /** Rotation tables for the patch tokens' queries and keys; null for none. */
    default RopeTables ropeTables(int gridH, int gridW, int headDim) {
        return null;
    }

    /** Added to the attention logits of block {@code block}: broadcastable to (B, H, N, N); null for none. */
    default SDVariable attentionBias(GraphContext g, int block) {
        return null;
    }

    /** Parses a name ({@link Pe#parse}) into the encoding with this library's defaults ({@link Pe#encoding}). */
    static PositionalEncoding parse(String name, int learnedGrid) {
        Pe pe = Pe.parse(java.util.Objects.requireNonNull(name, "name"));
        if (pe == Pe.AS_TRAINED)
            throw new IllegalArgumentException(
                    "'" + name + "' is not an encoding of its own (expected learned, sincos, rope, alibi or none)");
        return pe.encoding(learnedGrid);
    }
}
