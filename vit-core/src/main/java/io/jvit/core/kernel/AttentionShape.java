package io.jvit.core.kernel;

/**
 * Sizes of one attention call.
 *
 * @param batch    images B
 * @param tokens   tokens N per image (prefix + patches)
 * @param heads    heads H
 * @param headDim  channels d per head
 */
public record AttentionShape(int batch, int tokens, int heads, int headDim) {
    public AttentionShape {
        if (batch < 1 || tokens < 1 || heads < 1 || headDim < 1)
            throw new IllegalArgumentException("attention sizes must be positive: batch " + batch + ", tokens " + tokens
                    + ", heads " + heads + ", head dim " + headDim);
    }

    public int width() {
        return heads * headDim;
    }

    /** q·k and p·v multiply-adds, 2 flops each: 4·B·H·N²·d. */
    public double flops() {
        return 4.0 * batch * heads * (double) tokens * tokens * headDim;
    }
}
