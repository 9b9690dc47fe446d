package io.jvit.train.samediff;

import java.util.LinkedHashMap;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * AdamW (Loshchilov &amp; Hutter; PyTorch's {@code torch.optim.AdamW} update, decoupled weight decay) on
 * parameter arrays updated in place. Its state (first and second moments, step) is saved with every
 * checkpoint, so a resumed run continues bit for bit.
 */
public final class AdamW {
    final double lr, beta1, beta2, eps, weightDecay;
    final Map<String, INDArray> m = new LinkedHashMap<>(), v = new LinkedHashMap<>();
    long step;

    public AdamW(double lr, double beta1, double beta2, double eps, double weightDecay) {
        if (!(lr >= 0)) throw new IllegalArgumentException("learning rate must be >= 0, got " + lr);
        this.lr = lr;
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.eps = eps;
        this.weightDecay = weightDecay;
    }

    /** p ← p − lr·(wd·p + m̂ / (√v̂ + eps)), with m, v the bias-corrected moments of the gradients. */
    public void update(Map<String, INDArray> params, Map<String, INDArray> grads) {
        step++;
        double c1 = 1 - Math.pow(beta1, step), c2 = 1 - Math.pow(beta2, step);
        for (var e : params.entrySet()) {
            String k = e.getKey();
            INDArray p = e.getValue(), g = grads.get(k);
            if (g == null) throw new IllegalStateException("no gradient for " + k);
            INDArray mk = m.computeIfAbsent(k, x -> p.ulike().assign(0)),
                    vk = v.computeIfAbsent(k, x -> p.ulike().assign(0));
            mk.muli(beta1).addi(g.mul(1 - beta1));
            vk.muli(beta2).addi(g.mul(g).muli(1 - beta2));
            if (lr == 0) continue;
            p.muli(1 - lr * weightDecay);
            INDArray denom = Transforms.sqrt(vk.div(c2), true).addi(eps);
            p.subi(mk.div(c1).divi(denom).muli(lr));
        }
    }
}
