package io.jvit.train.pretrain;

import io.jvit.core.model.VisionTransformer;
import io.jvit.train.engine.GradientStep;
import io.jvit.train.engine.Params;
import io.jvit.train.engine.TrainableViT;
import io.jvit.train.optim.AdamW;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * SimMIM pre-training on the training engine, the counterpart of {@code io.jvit.train.samediff.SimMim}: patches are
 * masked in pixel space (set to 0), a linear head on the final patch tokens predicts their pixels, L2 on the masked
 * patches only; AdamW updates the backbone and the head. The caller brings the images (SimMim generates
 * microstructures; that generator lives in vit-probe), so {@link #step(INDArray)} takes a batch (B, 3, S, S).
 */
public final class FastSimMim {
    public static final String HEAD_W = "mim.head.weight", HEAD_B = "mim.head.bias";

    private final VisionTransformer model;
    private final Params backbone, head, all;
    private final GradientStep gradients;
    private final AdamW optimizer;
    private final int patch, side, grid, out;
    private final double maskRatio;
    private final Random rnd;
    private Params grads;

    /**
     * @param side    image side S (a multiple of the patch size); the grid is (S/p)²
     * @param threads data-parallel threads ({@link GradientStep})
     */
    public FastSimMim(VisionTransformer model, int side, double maskRatio, AdamW optimizer, long seed, int threads) {
        if (model.dataType() != DataType.FLOAT) throw new IllegalArgumentException("pre-training runs in float32");
        this.patch = model.config().patchSize();
        if (side % patch != 0 || side < patch)
            throw new IllegalArgumentException("side " + side + " is not a multiple of the patch size " + patch);
        if (!(maskRatio > 0 && maskRatio < 1))
            throw new IllegalArgumentException("mask ratio must be in (0, 1), got " + maskRatio);
        this.model = model;
        this.side = side;
        this.grid = side / patch;
        this.out = 3 * patch * patch;
        this.maskRatio = maskRatio;
        this.optimizer = optimizer;
        this.rnd = new Random(seed);
        int c = model.config().embedDim();
        float[] w = new float[c * out];
        Random init = new Random(seed);
        for (int i = 0; i < w.length; i++) w[i] = (float) (0.02 * init.nextGaussian());
        Map<String, float[]> h = new LinkedHashMap<>();
        h.put(HEAD_W, w);
        h.put(HEAD_B, new float[out]);
        this.head = Params.of(h, Map.of(HEAD_W, new long[] {c, out}, HEAD_B, new long[] {out}));
        this.backbone = Params.of(model.config(), model.weights());
        this.all = Params.join(backbone, head);
        this.gradients =
                new GradientStep(new TrainableViT(model.config(), backbone, false), threads, Integer.MAX_VALUE);
    }

    /** One step with a fresh random mask (each patch masked with probability maskRatio); returns the loss. */
    public double step(INDArray images) {
        int b = (int) images.size(0);
        boolean[] mask = new boolean[b * grid * grid];
        for (int i = 0; i < mask.length; i++) mask[i] = rnd.nextDouble() < maskRatio;
        return step(images, mask);
    }

    /** One step with the given mask (B·h·w patches in raster order, true = masked); returns the loss before the update. */
    public double step(INDArray images, boolean[] mask) {
        long[] s = images.shape();
        if (s.length != 4 || s[1] != 3 || s[2] != side || s[3] != side)
            throw new IllegalArgumentException(
                    "images must be (B, 3, " + side + ", " + side + "), got " + Arrays.toString(s));
        int batch = (int) s[0], tokens = grid * grid, plane = side * side;
        if (mask.length != batch * tokens)
            throw new IllegalArgumentException(
                    mask.length + " mask entries for " + batch + " × " + tokens + " patches");
        float[] px = images.castTo(DataType.FLOAT).dup('c').data().asFloat(), masked = px.clone();
        float[] target = new float[batch * tokens * out], m = new float[batch * tokens];
        for (int b = 0; b < batch; b++)
            for (int t = 0; t < tokens; t++) {
                int i = t / grid, j = t % grid;
                m[b * tokens + t] = mask[b * tokens + t] ? 1 : 0;
                for (int ch = 0; ch < 3; ch++)
                    for (int y = 0; y < patch; y++)
                        for (int x = 0; x < patch; x++) {
                            int src = (b * 3 + ch) * plane + (i * patch + y) * side + j * patch + x;
                            target[(b * tokens + t) * out + (ch * patch + y) * patch + x] = px[src];
                            if (mask[b * tokens + t]) masked[src] = 0f;
                        }
            }
        MaskedPixelObjective objective = new MaskedPixelObjective(head.get(HEAD_W), head.get(HEAD_B), target, m, out);
        if (grads == null) grads = Params.zerosLike(all);
        double loss = gradients.run(masked, batch, side, side, objective, grads.subset(backbone.names()));
        objective.headGradients(grads.get(HEAD_W), grads.get(HEAD_B));
        optimizer.update(all, grads);
        return loss;
    }

    /** The head's parameters (live arrays): weight (C, 3p²), bias (3p²). */
    public Params head() {
        return head;
    }

    /** The backbone with its trained weights (a copy; the head dropped). */
    public VisionTransformer backbone() {
        return new VisionTransformer(model.config(), backbone.toWeights());
    }
}
