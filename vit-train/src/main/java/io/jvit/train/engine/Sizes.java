package io.jvit.train.engine;

import io.jvit.core.config.MlpKind;
import io.jvit.core.config.ViTConfig;
import io.jvit.core.kernel.AttentionShape;

/**
 * The sizes of one forward/backward pass: B images of an h × w patch grid through a model of width C.
 *
 * @param batch  images B
 * @param gridH  patch rows h
 * @param gridW  patch columns w
 * @param prefix CLS + register tokens before the patches
 * @param dim    token width C
 * @param heads  attention heads H (head width C/H)
 * @param hidden MLP hidden width (SwiGLU: the width of each half)
 * @param fc1    width of fc1's output: hidden (GELU) or 2·hidden (SwiGLU)
 */
record Sizes(int batch, int gridH, int gridW, int prefix, int dim, int heads, int hidden, int fc1) {

    static Sizes of(ViTConfig c, int batch, int gridH, int gridW) {
        int fc1 = c.mlpKind() == MlpKind.GELU ? c.mlpHidden() : 2 * c.mlpHidden();
        return new Sizes(batch, gridH, gridW, c.numPrefixTokens(), c.embedDim(), c.numHeads(), c.mlpHidden(), fc1);
    }

    int patches() {
        return gridH * gridW;
    }

    /** Tokens per image N = prefix + h·w. */
    int tokens() {
        return prefix + gridH * gridW;
    }

    /** Token rows of the whole pass, B·N: every activation is (rows, something). */
    int rows() {
        return batch * tokens();
    }

    AttentionShape attention() {
        return new AttentionShape(batch, tokens(), heads, dim / heads);
    }
}
