package io.jvit.cli;

import io.jvit.core.fast.FastViT;
import io.jvit.core.model.VisionTransformer;
import io.jvit.core.model.ViTOutput;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.IdentityHashMap;
import java.util.Locale;
import java.util.Map;

/** {@code --engine fast|samediff}: the same model run by the fast engine or by its SameDiff graph. */
final class Engines {
    private Engines() {}

    private static final Map<VisionTransformer, FastViT> FAST = new IdentityHashMap<>();

    static ViTOutput forward(String engine, VisionTransformer model, int threads, INDArray images, boolean intermediates) {
        return switch (engine.toLowerCase(Locale.ROOT)) {
            case "fast" -> FAST.computeIfAbsent(model, m -> new FastViT(m, threads)).forward(images, intermediates);
            case "samediff" -> model.forward(images, intermediates);
            default -> throw new IllegalArgumentException("--engine must be fast or samediff, got '" + engine + "'");
        };
    }
}
