package io.jvit.train.pretrain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.jvit.core.config.ViTConfig;
import io.jvit.core.model.ViTGraph;
import io.jvit.core.model.ViTWeights;
import io.jvit.core.model.VisionTransformer;
import io.jvit.core.pe.Rope2d;
import io.jvit.train.engine.TestModels;
import io.jvit.train.optim.AdamW;
import io.jvit.train.samediff.GraphTraining;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class FastSimMimTest {
    final ViTConfig c = TestModels.config(new Rope2d(100));
    final int side = 16, grid = 4, out = 48, batch = 3;

    /** SimMim's graph (its loss written the same way) with the engine's initial head: the losses of 3 steps agree. */
    @Test
    void stepsFollowTheSameDiffGraph() {
        ViTWeights w = TestModels.weights(c, 5);
        FastSimMim fast =
                new FastSimMim(new VisionTransformer(c, w), side, 0.5, new AdamW(1e-3, 0.9, 0.999, 1e-8, 0.05), 1, 2);

        VisionTransformer ref = new VisionTransformer(c, w.castTo(DataType.FLOAT));
        ViTGraph g = ref.trainingGraph(grid, grid, Set.of());
        SameDiff sd = g.sameDiff();
        SDVariable hw = sd.var(
                FastSimMim.HEAD_W,
                Nd4j.create(fast.head().get(FastSimMim.HEAD_W).clone(), new long[] {32, out}));
        SDVariable hb = sd.var(FastSimMim.HEAD_B, Nd4j.zeros(DataType.FLOAT, out));
        SDVariable pred =
                sd.getVariable(ViTGraph.PATCH_TOKENS).reshape(-1, 32).mmul(hw).add(hb);
        SDVariable target = sd.placeHolder("t", DataType.FLOAT, -1, out),
                mask = sd.placeHolder("m", DataType.FLOAT, -1, 1);
        SDVariable err = pred.sub(target);
        sd.setLossVariables(sd.identity(
                "loss", err.mul(err).mul(mask).sum().div(mask.sum().mul(out).add(1e-6))));
        List<String> names = GraphTraining.trainable(sd);
        var refOpt = new io.jvit.train.samediff.AdamW(1e-3, 0.9, 0.999, 1e-8, 0.05);

        Random r = new Random(8);
        for (int step = 0; step < 3; step++) {
            float[] px = TestModels.gaussian(batch * 3 * side * side, 30 + step);
            boolean[] m = new boolean[batch * grid * grid];
            for (int i = 0; i < m.length; i++) m[i] = r.nextBoolean();
            double got = fast.step(Nd4j.create(px, new long[] {batch, 3, side, side}), m);

            float[] masked = px.clone(), t = new float[batch * grid * grid * out], mk = new float[m.length];
            for (int b = 0; b < batch; b++)
                for (int p = 0; p < grid * grid; p++) {
                    mk[b * grid * grid + p] = m[b * grid * grid + p] ? 1 : 0;
                    for (int ch = 0; ch < 3; ch++)
                        for (int y = 0; y < 4; y++)
                            for (int x = 0; x < 4; x++) {
                                int src = ((b * 3 + ch) * side + (p / grid) * 4 + y) * side + (p % grid) * 4 + x;
                                t[(b * grid * grid + p) * out + (ch * 4 + y) * 4 + x] = px[src];
                                if (m[b * grid * grid + p]) masked[src] = 0;
                            }
                }
            Map<String, INDArray> ph = Map.of(
                    ViTGraph.IMAGES,
                    Nd4j.create(masked, new long[] {batch, 3, side, side}),
                    "t",
                    Nd4j.create(t, new long[] {batch * grid * grid, out}),
                    "m",
                    Nd4j.create(mk, new long[] {mk.length, 1}));
            var og = GraphTraining.lossAndGradients(sd, ph, "loss", names);
            refOpt.update(GraphTraining.parameters(sd, names), og.getGradients());
            double want = og.getOutputs().get("loss").getDouble(0);
            assertThat(got).as("loss of step %d", step).isCloseTo(want, within(1e-4 * want));
        }
        float[] headAfter = fast.head().get(FastSimMim.HEAD_W),
                refHead =
                        sd.getVariable(FastSimMim.HEAD_W)
                                .getArr()
                                .dup('c')
                                .data()
                                .asFloat();
        for (int i = 0; i < headAfter.length; i++)
            assertThat((double) headAfter[i]).isCloseTo(refHead[i], within(1e-5));
    }

    @Test
    void badInput() {
        VisionTransformer m = new VisionTransformer(c, TestModels.weights(c, 5));
        assertThatThrownBy(() -> new FastSimMim(m, 18, 0.5, new AdamW(1e-3, 0.9, 0.999, 1e-8, 0), 1, 1))
                .hasMessageContaining("side 18 is not a multiple of the patch size 4");
        FastSimMim s = new FastSimMim(m, side, 0.5, new AdamW(1e-3, 0.9, 0.999, 1e-8, 0), 1, 1);
        assertThatThrownBy(() -> s.step(Nd4j.zeros(DataType.FLOAT, 1, 3, 12, 12)))
                .hasMessageContaining("images must be (B, 3, 16, 16)");
        assertThatThrownBy(() -> s.step(Nd4j.zeros(DataType.FLOAT, 1, 3, 16, 16), new boolean[3]))
                .hasMessageContaining("3 mask entries for 1 × 16 patches");
    }
}
