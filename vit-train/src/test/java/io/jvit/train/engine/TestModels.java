package io.jvit.train.engine;

import io.jvit.core.config.MlpKind;
import io.jvit.core.config.ViTConfig;
import io.jvit.core.model.ViTWeights;
import io.jvit.core.pe.PositionalEncoding;
import io.jvit.train.samediff.AdamW;
import io.jvit.train.samediff.DistillationLoss;
import java.util.LinkedHashMap;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/** Public access to the test fixtures for tests in other packages. */
public final class TestModels {
    private TestModels() {}

    public static ViTConfig config(PositionalEncoding pe) {
        return Fixtures.config(pe, 2, 1, MlpKind.GELU);
    }

    public static ViTWeights weights(ViTConfig c, long seed) {
        return Fixtures.weights(c, seed, DataType.FLOAT);
    }

    public static float[] gaussian(int n, long seed) {
        return Fixtures.gaussian(n, seed, 1.0);
    }

    /** Parameters before, after one engine step, after one SameDiff step (same batch, same AdamW settings). */
    public record Step(
            Params before, Params engine, Map<String, INDArray> sameDiff, Map<String, INDArray> sameDiffGrads) {}

    public static Step oneStep(ViTConfig c, ViTWeights w, DistillationLoss sdLoss, FeatureLoss loss, double lr) {
        int b = 2, gh = 3, gw = 5, p = c.patchSize();
        float[] images = Fixtures.gaussian(b * 3 * gh * p * gw * p, 5, 1.0),
                targets = Fixtures.targets(b, gh, gw, c.embedDim(), 9, 3);
        Fixtures.Reference ref = Fixtures.sameDiff(c, w, images, b, gh, gw, targets, sdLoss, DataType.FLOAT);
        Map<String, INDArray> refP = new LinkedHashMap<>();
        w.asMap().forEach((k, v) -> refP.put(k, v.castTo(DataType.FLOAT).dup()));
        new AdamW(lr, 0.9, 0.999, 1e-8, 0.05).update(refP, ref.grads());

        Params params = Params.of(c, w), before = params.copy();
        TrainableViT model = new TrainableViT(c, params, false);
        Params g = model.newGradients();
        new GradientStep(model, 1, Integer.MAX_VALUE)
                .run(images, b, gh * p, gw * p, new DistillationObjective(loss, targets), g);
        new io.jvit.train.optim.AdamW(lr, 0.9, 0.999, 1e-8, 0.05).update(params, g);
        return new Step(before, params, refP, ref.grads());
    }
}
