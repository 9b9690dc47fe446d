package io.jvit.train.engine;

import io.jvit.core.config.MlpKind;
import io.jvit.core.config.ViTConfig;
import io.jvit.core.model.ViTGraph;
import io.jvit.core.model.ViTWeights;
import io.jvit.core.model.VisionTransformer;
import io.jvit.core.pe.PositionalEncoding;
import io.jvit.train.samediff.DistillationLoss;
import io.jvit.train.samediff.GraphTraining;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.api.OutAndGrad;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Tiny models, seeded inputs and the SameDiff reference (the existing training graph + DistillationLoss). */
final class Fixtures {
    private Fixtures() {}

    /** Patch 4, width 32, 2 heads of 16, MLP 64, LayerScale, CLS, qkv bias. */
    static ViTConfig config(PositionalEncoding pe, int depth, int registers, MlpKind mlp) {
        return new ViTConfig(
                4, 32, depth, 2, mlp, mlp == MlpKind.GELU ? 64 : 48, true, true, registers, 1e-6, true, pe);
    }

    /**
     * Random weights scaled up from the 0.02 init (attention far from uniform, every path carries signal), random biases,
     * tokens and position tables; ALiBi's learned slopes as initialised (U[0, 1)).
     */
    static ViTWeights weights(ViTConfig c, long seed, DataType type) {
        Random r = new Random(seed);
        Map<String, INDArray> w = new LinkedHashMap<>();
        ViTWeights.random(c, seed, 0.6, type).asMap().forEach((k, v) -> {
            INDArray a;
            if (k.endsWith("weight") && v.rank() >= 2) a = v.mul(k.startsWith("patch") ? 12 : 18);
            else if (k.endsWith(".bias") || k.contains("token") || k.equals("pos_embed") || k.contains("norm")) {
                double[] x = new double[(int) v.length()];
                for (int i = 0; i < x.length; i++)
                    x[i] = (k.endsWith("norm1.weight") || k.endsWith("norm2.weight") || k.equals("norm.weight") ? 1 : 0)
                            + 0.3 * r.nextGaussian();
                a = Nd4j.createFromArray(x).reshape(v.shape()).castTo(type);
            } else a = v.dup();
            w.put(k, a);
        });
        return new ViTWeights(w);
    }

    static float[] gaussian(int n, long seed, double scale) {
        Random r = new Random(seed);
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float) (scale * r.nextGaussian());
        return x;
    }

    /** Teacher-like targets (B, h, w, C) with the blanked channels set to 0. */
    static float[] targets(int b, int gh, int gw, int dim, long seed, int... blank) {
        float[] t = gaussian(b * gh * gw * dim, seed, 1.0);
        for (int i = 0; i < b * gh * gw; i++) for (int c : blank) t[i * dim + c] = 0;
        return t;
    }

    /** The SameDiff training graph's loss and gradients of every parameter. */
    record Reference(double loss, Map<String, INDArray> grads, INDArray patchTokens) {}

    static Reference sameDiff(
            ViTConfig c,
            ViTWeights w,
            float[] images,
            int batch,
            int gh,
            int gw,
            float[] targets,
            DistillationLoss loss,
            DataType type) {
        VisionTransformer vit = new VisionTransformer(c, w.castTo(type));
        ViTGraph g = vit.trainingGraph(gh, gw, Set.of());
        loss.addTo(g, type);
        SameDiff sd = g.sameDiff();
        int p = c.patchSize();
        Map<String, INDArray> ph = Map.of(
                ViTGraph.IMAGES,
                        Nd4j.create(images, new long[] {batch, 3, (long) gh * p, (long) gw * p})
                                .castTo(type),
                DistillationLoss.TARGET,
                        Nd4j.create(targets, new long[] {batch, gh, gw, c.embedDim()})
                                .castTo(type));
        List<String> names = GraphTraining.trainable(sd);
        OutAndGrad og = GraphTraining.lossAndGradients(sd, ph, DistillationLoss.LOSS, names);
        INDArray tokens = sd.output(ph, ViTGraph.PATCH_TOKENS).get(ViTGraph.PATCH_TOKENS);
        return new Reference(og.getOutputs().get(DistillationLoss.LOSS).getDouble(0), og.getGradients(), tokens);
    }

    /** The engine's loss and gradients for the same inputs (one thread, whole batch). */
    record Result(double loss, Params grads, float[] patchTokens) {}

    static Result engine(
            ViTConfig c,
            ViTWeights w,
            float[] images,
            int batch,
            int gh,
            int gw,
            float[] targets,
            FeatureLoss loss,
            boolean recompute) {
        TrainableViT model = new TrainableViT(c, Params.of(c, w), recompute);
        int p = c.patchSize();
        Tape tape = model.forward(images, batch, gh * p, gw * p, 1);
        float[] d = new float[tape.normed().length];
        double l = loss.forwardBackward(
                tape.normed(), batch, c.numPrefixTokens(), gh * gw, c.embedDim(), targets, 0, batch, d);
        Params g = model.newGradients();
        model.backward(tape, d, g, 1);
        return new Result(l, g, tape.patchTokens());
    }

    /** max |a − b| / max |b| over the tensor (b the reference). */
    static double relativeError(float[] a, INDArray b) {
        double[] r = b.castTo(DataType.DOUBLE).dup('c').data().asDouble();
        double diff = 0, scale = 0;
        for (int i = 0; i < r.length; i++) {
            diff = Math.max(diff, Math.abs(a[i] - r[i]));
            scale = Math.max(scale, Math.abs(r[i]));
        }
        return scale == 0 ? diff : diff / scale;
    }
}
