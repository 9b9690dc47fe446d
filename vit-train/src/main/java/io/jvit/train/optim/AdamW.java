package io.jvit.train.optim;

import io.jvit.train.engine.Params;

/**
 * AdamW on flat parameter arrays, in place: PyTorch's {@code torch.optim.AdamW} update (decoupled weight decay on every
 * parameter), in the same float operations and order as the SameDiff path's {@code io.jvit.train.samediff.AdamW}:
 * <pre>
 *   m ← β1·m + (1 − β1)·g,   v ← β2·v + (1 − β2)·g²,
 *   p ← p·(1 − lr·wd),       p ← p − lr · (m / c1) / (√(v / c2) + eps),   c_i = 1 − β_i^step
 * </pre>
 * The moments are {@link Params} (same names and shapes as the parameters); they and the step count are the state a
 * resumed run needs. With lr = 0 the moments still advance and the parameters do not move (as the SameDiff AdamW).
 */
public final class AdamW {
    private final double lr, beta1, beta2, eps, weightDecay;
    private Params m, v;
    private long step;

    public AdamW(double lr, double beta1, double beta2, double eps, double weightDecay) {
        if (!(lr >= 0)) throw new IllegalArgumentException("learning rate must be >= 0, got " + lr);
        this.lr = lr;
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.eps = eps;
        this.weightDecay = weightDecay;
    }

    public double lr() {
        return lr;
    }

    public double beta1() {
        return beta1;
    }

    public double beta2() {
        return beta2;
    }

    public double eps() {
        return eps;
    }

    public double weightDecay() {
        return weightDecay;
    }

    public long step() {
        return step;
    }
    /** First moments, null before the first update. Live arrays. */
    public Params m() {
        return m;
    }
    /** Second moments, null before the first update. Live arrays. */
    public Params v() {
        return v;
    }

    /** Restores a saved state (moments may be null: no update yet). */
    public void restore(Params m, Params v, long step) {
        if ((m == null) != (v == null)) throw new IllegalArgumentException("AdamW state needs both moments or neither");
        if (step < 0) throw new IllegalArgumentException("AdamW step must be >= 0, got " + step);
        this.m = m;
        this.v = v;
        this.step = step;
    }

    /** One update of every parameter from its gradient (same names). */
    public void update(Params params, Params grads) {
        if (m == null) {
            m = Params.zerosLike(params);
            v = Params.zerosLike(params);
        }
        step++;
        float b1 = (float) beta1, b2 = (float) beta2, ob1 = (float) (1 - beta1), ob2 = (float) (1 - beta2);
        float c1 = (float) (1 - Math.pow(beta1, step)), c2 = (float) (1 - Math.pow(beta2, step));
        float decay = (float) (1 - lr * weightDecay), rate = (float) lr, e = (float) eps;
        for (String k : params.names()) {
            float[] p = params.get(k), g = grads.get(k), mk = m.get(k), vk = v.get(k);
            if (g.length != p.length)
                throw new IllegalArgumentException("gradient of " + k + " has " + g.length + " values for " + p.length);
            for (int i = 0; i < p.length; i++) {
                mk[i] = mk[i] * b1 + g[i] * ob1;
                vk[i] = vk[i] * b2 + g[i] * g[i] * ob2;
                if (lr == 0) continue;
                p[i] *= decay;
                float denom = (float) Math.sqrt(vk[i] / c2) + e;
                p[i] -= mk[i] / c1 / denom * rate;
            }
        }
    }
}
