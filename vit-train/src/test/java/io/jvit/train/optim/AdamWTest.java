package io.jvit.train.optim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jvit.core.config.ViTConfig;
import io.jvit.core.model.ViTWeights;
import io.jvit.core.pe.Alibi2d;
import io.jvit.core.pe.AlibiDistance;
import io.jvit.core.pe.AlibiSlopes;
import io.jvit.train.engine.FeatureLoss;
import io.jvit.train.engine.Params;
import io.jvit.train.engine.TestModels;
import io.jvit.train.samediff.DistillationLoss;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

class AdamWTest {

    @Test
    void sameUpdateAsTheSameDiffAdamWOnTheSameGradients() {
        ViTConfig c = TestModels.config(new Alibi2d(AlibiDistance.Metric.EUCLIDEAN, true, true, AlibiSlopes.LEARNED));
        ViTWeights w = TestModels.weights(c, 1);
        Params p = Params.of(c, w), g = Params.of(c, TestModels.weights(c, 2)); // any numbers as gradients
        Map<String, INDArray> refP = new LinkedHashMap<>(), refG = g.toArrays();
        w.asMap().forEach((k, v) -> refP.put(k, v.castTo(DataType.FLOAT).dup()));
        var ref = new io.jvit.train.samediff.AdamW(1e-3, 0.9, 0.999, 1e-8, 0.05);
        AdamW mine = new AdamW(1e-3, 0.9, 0.999, 1e-8, 0.05);
        for (int step = 0; step < 3; step++) {
            ref.update(refP, refG);
            mine.update(p, g);
        }
        assertThat(mine.step()).isEqualTo(3);
        for (String k : p.names()) {
            float[] want = refP.get(k).dup('c').data().asFloat(), got = p.get(k);
            for (int i = 0; i < got.length; i++)
                assertThat((double) got[i])
                        .as(k + "[" + i + "]")
                        .isCloseTo(want[i], org.assertj.core.api.Assertions.within(1e-7));
        }
    }

    /**
     * Engine gradients + this AdamW = SameDiff gradients + the SameDiff AdamW, one full step, to 1e-5 (lr 1e-3).
     * Adam's first step moves each parameter by about lr·sign(g), so an element whose gradient is rounding noise in both
     * (the key bias: adding it shifts every logit of a row equally, softmax ignores that, its gradient is 0 in exact
     * arithmetic) moves by ±lr at random in either implementation. Elements whose reference gradient is below 1e-4 of
     * their tensor's largest (the gradients' measured agreement) are therefore not compared: the key bias and under 0.5 % of the rest.
     */
    @Test
    void oneFullStepEqualsSameDiffsStep() {
        ViTConfig c = TestModels.config(new Alibi2d(AlibiDistance.Metric.EUCLIDEAN, true, true, AlibiSlopes.LEARNED));
        ViTWeights w = TestModels.weights(c, 3);
        TestModels.Step s = TestModels.oneStep(c, w, DistillationLoss.COSINE, FeatureLoss.COSINE, 1e-3);
        int compared = 0, noise = 0, dim = c.embedDim(); // noise: elements left out besides the key bias
        for (String k : s.engine().names()) {
            float[] want = s.sameDiff().get(k).dup('c').data().asFloat(),
                    got = s.engine().get(k),
                    before = s.before().get(k);
            float[] g = s.sameDiffGrads().get(k).dup('c').data().asFloat();
            double scale = 0;
            for (float x : g) scale = Math.max(scale, Math.abs(x));
            boolean moved = false;
            for (int i = 0; i < got.length; i++) {
                moved |= got[i] != before[i];
                if (Math.abs(g[i]) < 1e-4 * scale) {
                    if (!(k.endsWith("attn.qkv.bias") && i >= dim && i < 2 * dim)) noise++;
                    continue;
                }
                assertThat((double) got[i])
                        .as(k + "[" + i + "]")
                        .isCloseTo(want[i], org.assertj.core.api.Assertions.within(1e-5));
                compared++;
            }
            assertThat(moved).as(k + " was updated").isTrue();
        }
        assertThat(compared).isGreaterThan(10_000);
        assertThat(noise).as("elements left out besides the key bias").isLessThan(compared / 200);
    }

    @Test
    void badInput() {
        assertThatThrownBy(() -> new AdamW(-1, 0.9, 0.999, 1e-8, 0)).hasMessageContaining("learning rate must be >= 0");
        assertThatThrownBy(() -> new AdamW(1e-3, 0.9, 0.999, 1e-8, 0).restore(null, null, -1))
                .hasMessageContaining("step must be >= 0");
    }
}
