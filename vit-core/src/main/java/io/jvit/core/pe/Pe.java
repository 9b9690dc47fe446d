package io.jvit.core.pe;

import java.util.Locale;

/**
 * The positional encoding to load a checkpoint with, as a choice rather than a record: {@link #AS_TRAINED} keeps the
 * checkpoint's own, the others replace it with this library's default of that kind ({@link #encoding}).
 * {@link #ALIBI} on a checkpoint whose {@code pos_embed} is zero is the paper's ALiBi-retrofitted model.
 */
public enum Pe {
    /** Whatever the checkpoint was trained with (its learned table, or none). */
    AS_TRAINED,
    /** A learned absolute table, DINOv2's antialiased bicubic resampling; needs the checkpoint's {@code pos_embed}. */
    LEARNED,
    /** Fixed 2D sin-cos embedding, temperature 10000. */
    SINCOS,
    /** 2D rotary embedding (DINOv3 style), base 100. */
    ROPE,
    /** The paper's 2D ALiBi: Euclidean, wrapped, normalised distances, slope 1 on every head. */
    ALIBI,
    /** No position at all. */
    NONE;

    /**
     * This choice as an encoding. {@code learnedGrid} is the side of the learned table (DINOv2: 37); only
     * {@link #LEARNED} uses it.
     *
     * @throws IllegalStateException for {@link #AS_TRAINED}, which is only known once a checkpoint is read
     */
    public PositionalEncoding encoding(int learnedGrid) {
        return switch (this) {
            case AS_TRAINED ->
                throw new IllegalStateException(
                        "Pe.AS_TRAINED is the checkpoint's own encoding; read it from the checkpoint");
            case LEARNED -> LearnedAbsolute.dinov2(learnedGrid);
            case SINCOS -> new SinCos2d(10000.0);
            case ROPE -> new Rope2d(100.0);
            case ALIBI -> Alibi2d.paperDefault();
            case NONE -> new NoPE();
        };
    }

    /** The short name ({@code learned}, {@code sincos}, {@code rope}, {@code alibi}, {@code none}; {@code as-trained}). */
    public String label() {
        return this == AS_TRAINED ? "as-trained" : name().toLowerCase(Locale.ROOT);
    }

    /**
     * A name as {@link PositionalEncoding#parse} reads it ({@code learned}/{@code abs}/{@code absolute},
     * {@code sincos}/{@code sin-cos}, {@code rope}, {@code alibi}, {@code none}/{@code nope}), any case;
     * null means {@link #AS_TRAINED}.
     */
    public static Pe parse(String name) {
        if (name == null) return AS_TRAINED;
        return switch (name.trim().toLowerCase(Locale.ROOT)) {
            case "as-trained" -> AS_TRAINED;
            case "learned", "abs", "absolute" -> LEARNED;
            case "sincos", "sin-cos" -> SINCOS;
            case "rope" -> ROPE;
            case "alibi" -> ALIBI;
            case "none", "nope" -> NONE;
            default ->
                throw new IllegalArgumentException(
                        "unknown positional encoding '" + name + "' (expected learned, sincos, rope, alibi or none)");
        };
    }
}
