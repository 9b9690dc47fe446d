package io.jvit.train.engine;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * GELU's derivative with the Vector API: Φ(x) + x·φ(x), erf by Abramowitz–Stegun 7.1.26 as vit-core's forward. Its
 * exp(−a²) with a = |x|/√2 is exp(−x²/2), φ's exponential too, so one exp serves both. Loaded only when
 * {@code FusedAttention.vectorized()} (the module is present).
 */
final class GeluVector {
    private GeluVector() {}

    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;

    static void backward(float[] dy, float[] x, float[] dx, int from, int to) {
        int i = from, upper = from + F.loopBound(to - from);
        FloatVector one = FloatVector.broadcast(F, 1f);
        for (; i < upper; i += F.length()) {
            FloatVector v = FloatVector.fromArray(F, x, i);
            FloatVector z = v.mul(0.70710678118654752f), a = z.abs();
            FloatVector t = one.div(a.fma(FloatVector.broadcast(F, 0.3275911f), one));
            FloatVector poly = FloatVector.broadcast(F, 1.061405429f)
                    .fma(t, FloatVector.broadcast(F, -1.453152027f))
                    .fma(t, FloatVector.broadcast(F, 1.421413741f))
                    .fma(t, FloatVector.broadcast(F, -0.284496736f))
                    .fma(t, FloatVector.broadcast(F, 0.254829592f)).mul(t);
            FloatVector e = a.mul(a).neg().lanewise(VectorOperators.EXP);              // exp(−x²/2)
            FloatVector erfAbs = one.sub(poly.mul(e));
            FloatVector erf = erfAbs.lanewise(VectorOperators.NEG, z.compare(VectorOperators.LT, 0f));
            FloatVector cdf = erf.add(1f).mul(0.5f), pdf = e.mul((float) Gelu.INV_SQRT_2PI);
            v.fma(pdf, cdf).mul(FloatVector.fromArray(F, dy, i)).intoArray(dx, i);
        }
        Gelu.scalarBackward(dy, x, dx, i, to);
    }
}
