package io.jvit.core.kernel;

/**
 * Token rows in a float array: element (b, n, h, c) of a (B, N, H, d) tensor is
 * {@code data[offset + (b·N + n)·stride + h·d + c]}. A packed qkv matrix (B·N, 3·H·d), as one linear
 * layer writes it, is three views of one array: offsets 0, H·d and 2·H·d with stride 3·H·d.
 */
public record Strided(float[] data, int offset, int stride) {

    /** A contiguous (B, N, H·d) array. */
    public static Strided of(float[] data, int width) {
        return new Strided(data, 0, width);
    }

    void check(String name, AttentionShape s) {
        if (stride < s.width())
            throw new IllegalArgumentException(
                    name + ": row stride " + stride + " is less than heads × head dim = " + s.width());
        long last = offset + ((long) s.batch() * s.tokens() - 1) * stride + s.width();
        if (offset < 0 || last > data.length)
            throw new IllegalArgumentException(
                    name + ": " + data.length + " floats cannot hold " + s.batch() + " × " + s.tokens() + " tokens × "
                            + s.width() + " channels at offset " + offset + " with stride " + stride);
    }
}
