package io.jvit.core.model;

import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * What a forward pass gives, by name (as DINOv2's {@code forward_features}).
 *
 * @param cls           final-normed CLS token (B, C); null if the model has none
 * @param registers     final-normed register tokens (B, R, C); null if none
 * @param patchTokens   final-normed patch tokens (B, h, w, C): the features everything else uses
 * @param preNorm       all tokens before the final LayerNorm (B, N, C)
 * @param intermediates each block's output (B, N, C), before any norm; empty unless asked for
 * @param gridH         patch rows h
 * @param gridW         patch columns w
 */
public record ViTOutput(
        INDArray cls,
        INDArray registers,
        INDArray patchTokens,
        INDArray preNorm,
        List<INDArray> intermediates,
        int gridH,
        int gridW) {}
