package io.jvit.core.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/** Vector API element-wise functions for the fast engine; callers check {@link FusedAttention#vectorized()}. */
final class VectorMath {
    private VectorMath() {}

    private static final jdk.incubator.vector.VectorSpecies<Float> F = VectorAttention.F;

    /** x ← GELU(x) = ½x(1 + erf(x/√2)) for x[from, to), erf by Abramowitz–Stegun 7.1.26 (|error| ≤ 1.5e-7). */
    static void gelu(float[] x, int from, int to) {
        int i = from, upper = from + F.loopBound(to - from);
        for (; i < upper; i += F.length()) {
            FloatVector v = FloatVector.fromArray(F, x, i);
            FloatVector z = v.mul(0.70710678118654752f), a = z.abs();
            FloatVector t = FloatVector.broadcast(F, 1f).div(a.fma(FloatVector.broadcast(F, 0.3275911f), FloatVector.broadcast(F, 1f)));
            FloatVector poly = FloatVector.broadcast(F, 1.061405429f)
                    .fma(t, FloatVector.broadcast(F, -1.453152027f))
                    .fma(t, FloatVector.broadcast(F, 1.421413741f))
                    .fma(t, FloatVector.broadcast(F, -0.284496736f))
                    .fma(t, FloatVector.broadcast(F, 0.254829592f)).mul(t);
            FloatVector erfAbs = FloatVector.broadcast(F, 1f).sub(poly.mul(VectorAttention.exp(a.mul(a).neg())));
            FloatVector erf = erfAbs.lanewise(VectorOperators.NEG, z.compare(VectorOperators.LT, 0f));
            v.mul(0.5f).mul(erf.add(1f)).intoArray(x, i);
        }
        for (; i < to; i++) x[i] = ScalarMath.gelu(x[i]);
    }
}
