package io.jvit.core.pe;

import java.util.Arrays;
import java.util.Locale;
import java.util.Objects;

/**
 * 2D rotary position embedding as in DINOv3 ({@code RopePositionEmbedding}, evaluation mode). Patch centres are
 * mapped to [−1, 1]: y = 2·(i + ½)/L_y − 1 and x = 2·(j + ½)/L_x − 1, where {@link Coords} picks the lengths
 * ({@code "separate"}: L_y = h, L_x = w). With D the head width and periods p_k (k &lt; D/4, by default
 * base^(2k / (D/2)) = 100^(k/16) for D = 64), the angles 2π·coord/p_k are laid out [y-angles, x-angles] and tiled
 * twice to D. Queries and keys of patch tokens become q·cos + rotate_half(q)·sin, with rotate_half([a, b]) = [−b, a],
 * on all D channels of every head; prefix tokens are not rotated.
 *
 * <p>The tables are computed in float32 the way the official code does (coordinates, 2π·coord, the division by the
 * period), so they equal DINOv3's {@code rope_embed(H=h, W=w)} to the last bit or two.
 *
 * @param base    period base (DINOv3: 100)
 * @param coords  how the coordinates are normalised (DINOv3's hub models: {@link Coords#SEPARATE})
 * @param periods the D/4 periods, as a checkpoint's {@code rope_embed.periods} buffer holds them; null for the formula
 */
public record Rope2d(double base, Coords coords, float[] periods) implements PositionalEncoding {

    /** DINOv3's {@code normalize_coords}: the length each axis is divided by. */
    public enum Coords {
        /** Each axis by its own length (DINOv3's released models). */
        SEPARATE,
        /** Both axes by max(h, w). */
        MAX,
        /** Both axes by min(h, w). */
        MIN;

        /** The name as DINOv3 spells it ({@code separate}, {@code max}, {@code min}). */
        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }

        public static Coords parse(String s) {
            for (Coords c : values()) if (c.label().equalsIgnoreCase(s.trim())) return c;
            throw new IllegalArgumentException(
                    "unknown RoPE coordinate normalisation '" + s + "' (expected separate, max or min)");
        }
    }

    public Rope2d {
        Objects.requireNonNull(coords, "coords");
        if (!(base > 0)) throw new IllegalArgumentException("RoPE base must be > 0, got " + base);
        if (periods != null) {
            periods = periods.clone();
            for (float p : periods)
                if (!(p > 0) || Float.isInfinite(p))
                    throw new IllegalArgumentException(
                            "RoPE periods must be finite and > 0, got " + Arrays.toString(periods));
        }
    }

    /** DINOv3's hub RoPE: separate coordinates, the formula's periods. */
    public Rope2d(double base) {
        this(base, Coords.SEPARATE, null);
    }

    /** The periods as stored, or null when they are the formula's. */
    @Override
    public float[] periods() {
        return periods == null ? null : periods.clone();
    }

    /** The D/4 periods for head width D: the stored ones, or base^(2k / (D/2)) rounded to float32. */
    public float[] periods(int headDim) {
        if (headDim % 4 != 0)
            throw new IllegalArgumentException("2D RoPE needs a head width divisible by 4, got " + headDim);
        int q = headDim / 4;
        if (periods != null) {
            if (periods.length != q)
                throw new IllegalArgumentException(
                        periods.length + " RoPE periods do not fit a head width of " + headDim + " (need " + q + ")");
            return periods.clone();
        }
        return formulaPeriods(base, headDim);
    }

    /** base^(2k / (D/2)) for k &lt; D/4, as float32 (DINOv3's buffer, bit for bit). */
    public static float[] formulaPeriods(double base, int headDim) {
        int q = headDim / 4;
        float[] p = new float[q];
        for (int k = 0; k < q; k++) p[k] = (float) Math.pow(base, 2.0 * k / (headDim / 2.0));
        return p;
    }

    @Override
    public String name() {
        return "rope";
    }

    @Override
    public RopeTables ropeTables(int h, int w, int headDim) {
        float[] per = periods(headDim);
        int q = headDim / 4;
        float ly = switch (coords) {
            case SEPARATE -> h;
            case MAX -> Math.max(h, w);
            case MIN -> Math.min(h, w);
        };
        float lx = switch (coords) {
            case SEPARATE -> w;
            case MAX -> Math.max(h, w);
            case MIN -> Math.min(h, w);
        };
        float twoPi = (float) (2 * Math.PI);
        float[] sin = new float[h * w * headDim], cos = new float[h * w * headDim];
        for (int i = 0; i < h; i++)
            for (int j = 0; j < w; j++) {
                float y = 2f * ((i + 0.5f) / ly) - 1f, x = 2f * ((j + 0.5f) / lx) - 1f; // float32, as torch
                float ty = twoPi * y, tx = twoPi * x;
                int o = (i * w + j) * headDim;
                for (int k = 0; k < q; k++) {
                    float ay = ty / per[k], ax = tx / per[k];
                    float sy = (float) Math.sin(ay),
                            cy = (float) Math.cos(ay),
                            sx = (float) Math.sin(ax),
                            cx = (float) Math.cos(ax);
                    for (int rep = 0; rep < 2; rep++) { // angles.tile(2)
                        int base0 = o + rep * 2 * q;
                        sin[base0 + k] = sy;
                        cos[base0 + k] = cy;
                        sin[base0 + q + k] = sx;
                        cos[base0 + q + k] = cx;
                    }
                }
            }
        return new RopeTables(h * w, headDim, sin, cos);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Rope2d r
                && Double.compare(base, r.base) == 0
                && coords == r.coords
                && Arrays.equals(periods, r.periods);
    }

    @Override
    public int hashCode() {
        return Objects.hash(base, coords, Arrays.hashCode(periods));
    }

    @Override
    public String toString() {
        return "Rope2d[base=" + base + ", coords=" + coords.label()
                + (periods == null ? "" : ", periods=" + Arrays.toString(periods)) + "]";
    }
}
