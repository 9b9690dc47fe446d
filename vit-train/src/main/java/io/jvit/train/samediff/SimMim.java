package io.jvit.train.samediff;

import io.jvit.core.image.Image;
import io.jvit.core.image.Preprocessor;
import io.jvit.core.model.ViTGraph;
import io.jvit.core.model.ViTWeights;
import io.jvit.core.model.VisionTransformer;
import io.jvit.probe.synthetic.Microstructure;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Self-supervised pre-training by masked image modelling (SimMIM: mask patches in pixel space, predict
 * their pixels from the final patch tokens with a linear head, L2 on the masked patches only) — the
 * objective family (MAE) in which the paper finds strong positional bias. Used to train the small
 * embedded teacher on generated microstructures, on a CPU, in minutes.
 */
public final class SimMim {
    public static final String TARGET = "mim_target", MASK = "mim_mask", LOSS = "mim_loss";

    private final VisionTransformer model;
    private final ViTGraph graph;
    private final AdamW optimizer;
    private final List<String> trainable = new ArrayList<>();
    private final int patch, side, grid;
    private final double maskRatio;
    private final Random rnd;

    /** Trains {@code model} (float32) on {@code side}² images with {@code maskRatio} of the patches masked. */
    public SimMim(VisionTransformer model, int side, double maskRatio, AdamW optimizer, long seed) {
        this.model = model;
        this.patch = model.config().patchSize();
        this.side = side;
        this.grid = side / patch;
        if (side % patch != 0)
            throw new IllegalArgumentException("side " + side + " is not a multiple of the patch size " + patch);
        this.maskRatio = maskRatio;
        this.optimizer = optimizer;
        this.rnd = new Random(seed);
        this.graph = model.trainingGraph(grid, grid, Set.of());
        SameDiff sd = graph.sameDiff();
        int c = model.config().embedDim(), out = 3 * patch * patch;
        SDVariable w = sd.var(
                "mim.head.weight",
                Nd4j.randn(seed, new long[] {c, out}).castTo(DataType.FLOAT).muli(0.02));
        SDVariable b = sd.var("mim.head.bias", Nd4j.zeros(DataType.FLOAT, out));
        SDVariable tokens = sd.getVariable(ViTGraph.PATCH_TOKENS).reshape(-1, c); // (B·h·w, C)
        SDVariable pred = tokens.mmul(w).add(b); // (B·h·w, 3p²)
        SDVariable target = sd.placeHolder(TARGET, DataType.FLOAT, -1, out),
                mask = sd.placeHolder(MASK, DataType.FLOAT, -1, 1);
        SDVariable err = pred.sub(target);
        SDVariable loss = err.mul(err).mul(mask).sum().div(mask.sum().mul(out).add(1e-6));
        sd.setLossVariables(sd.identity(LOSS, loss));
        trainable.addAll(GraphTraining.trainable(sd));
    }

    /** One step on a fresh batch of generated microstructures (random kind, seed and contrast); returns the loss. */
    public double step(int batch) {
        INDArray x = microstructures(rnd, batch, side, patch); // (B, 3, S, S)
        float[] px = x.dup('c').data().asFloat();
        int out = 3 * patch * patch, tokens = grid * grid, plane = side * side;
        float[] target = new float[batch * tokens * out], mask = new float[batch * tokens];
        float[] masked = px.clone();
        for (int b = 0; b < batch; b++)
            for (int t = 0; t < tokens; t++) {
                int i = t / grid, j = t % grid;
                boolean m = rnd.nextDouble() < maskRatio;
                mask[b * tokens + t] = m ? 1 : 0;
                for (int ch = 0; ch < 3; ch++)
                    for (int y = 0; y < patch; y++)
                        for (int xx = 0; xx < patch; xx++) {
                            int src = (b * 3 + ch) * plane + (i * patch + y) * side + j * patch + xx;
                            target[(b * tokens + t) * out + (ch * patch + y) * patch + xx] = px[src];
                            if (m) masked[src] = 0f;
                        }
            }
        Map<String, INDArray> ph = Map.of(
                ViTGraph.IMAGES,
                Nd4j.create(masked, x.shape()),
                TARGET,
                Nd4j.create(target, new long[] {(long) batch * tokens, out}),
                MASK,
                Nd4j.create(mask, new long[] {(long) batch * tokens, 1}));
        SameDiff sd = graph.sameDiff();
        var og = GraphTraining.lossAndGradients(sd, ph, LOSS, trainable);
        optimizer.update(GraphTraining.parameters(sd, trainable), og.getGradients());
        return og.getOutputs().get(LOSS).getDouble(0);
    }

    /**
     * A normalised batch (B, 3, side, side) of generated microstructures (random kind, seed and contrast drawn from
     * {@code rnd}): the pre-training data of both engines ({@code FastSimMim} takes the batch as input).
     */
    public static INDArray microstructures(Random rnd, int batch, int side, int patch) {
        List<Image> images = new ArrayList<>();
        for (int i = 0; i < batch; i++) {
            Microstructure m = Microstructure.values()[rnd.nextInt(Microstructure.values().length)];
            images.add(m.generate(side, side, rnd.nextLong()).toRgb());
        }
        return new Preprocessor(patch, Preprocessor.ResizePolicy.NONE).batch(images);
    }

    /** The backbone with its trained weights (the head dropped). */
    public VisionTransformer backbone() {
        Map<String, INDArray> w = new LinkedHashMap<>();
        for (String n : ViTWeights.expectedShapes(model.config()).keySet())
            w.put(n, graph.sameDiff().getVariable(n).getArr().dup());
        return new VisionTransformer(model.config(), new ViTWeights(w));
    }
}
