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
            FloatVector t = FloatVector.broadcast(F, 1f)
                    .div(a.fma(FloatVector.broadcast(F, 0.3275911f), FloatVector.broadcast(F, 1f)));
            FloatVector poly = FloatVector.broadcast(F, 1.061405429f)
                    .fma(t, FloatVector.broadcast(F, -1.453152027f))
                    .fma(t, FloatVector.broadcast(F, 1.421413741f))
                    .fma(t, FloatVector.broadcast(F, -0.284496736f))
                    .fma(t, FloatVector.broadcast(F, 0.254829592f))
                    .mul(t);
            // exp(−a²) written out as VectorAttention.exp computes it: C2 inlines a vector helper over 35 bytes of
            // bytecode only from a call site its profile calls hot, and a vector passed to a call that is not inlined
            // is boxed (20–40× slower for the rest of the process: seen in the attention kernel)
            FloatVector u = a.mul(a).neg().max(-87.0f);
            FloatVector m = u.fma(FloatVector.broadcast(F, 1.44269504088896341f), FloatVector.broadcast(F, 12582912f));
            FloatVector fx = m.sub(12582912f);
            FloatVector r = fx.fma(FloatVector.broadcast(F, -0.693359375f), u).add(fx.mul(2.12194440e-4f));
            FloatVector y = FloatVector.broadcast(F, 1.9875691500e-4f)
                    .fma(r, FloatVector.broadcast(F, 1.3981999507e-3f))
                    .fma(r, FloatVector.broadcast(F, 8.3334519073e-3f))
                    .fma(r, FloatVector.broadcast(F, 4.1665795894e-2f))
                    .fma(r, FloatVector.broadcast(F, 1.6666665459e-1f))
                    .fma(r, FloatVector.broadcast(F, 5.0000001201e-1f));
            y = y.fma(r.mul(r), r).add(1f);
            FloatVector expNegA2 = y.mul(m.reinterpretAsInts()
                    .sub(0x4B400000 - 127)
                    .lanewise(VectorOperators.LSHL, 23)
                    .reinterpretAsFloats());
            FloatVector erfAbs = FloatVector.broadcast(F, 1f).sub(poly.mul(expNegA2));
            FloatVector erf = erfAbs.lanewise(VectorOperators.NEG, z.compare(VectorOperators.LT, 0f));
            v.mul(0.5f).mul(erf.add(1f)).intoArray(x, i);
        }
        for (; i < to; i++) x[i] = ScalarMath.gelu(x[i]);
    }

    /**
     * dx = dy·GELU'(x) = dy·(Φ(x) + x·φ(x)) for [from, to). exp(−x²/2) serves erf and φ both, computed by the same
     * polynomial as {@link #gelu}, never by {@code lanewise(EXP)}: C2 compiles that to a vector math library whose last
     * bits differ from the interpreter's per-lane {@code Math.exp}, so a training run's bits would depend on when the JIT
     * compiled this loop (seen: pretraining gave different weights in every process).
     */
    static void geluBackward(float[] dy, float[] x, float[] dx, int from, int to) {
        int i = from, upper = from + F.loopBound(to - from);
        for (; i < upper; i += F.length()) {
            FloatVector v = FloatVector.fromArray(F, x, i);
            FloatVector z = v.mul(0.70710678118654752f), a = z.abs();
            FloatVector t = FloatVector.broadcast(F, 1f)
                    .div(a.fma(FloatVector.broadcast(F, 0.3275911f), FloatVector.broadcast(F, 1f)));
            FloatVector poly = FloatVector.broadcast(F, 1.061405429f)
                    .fma(t, FloatVector.broadcast(F, -1.453152027f))
                    .fma(t, FloatVector.broadcast(F, 1.421413741f))
                    .fma(t, FloatVector.broadcast(F, -0.284496736f))
                    .fma(t, FloatVector.broadcast(F, 0.254829592f))
                    .mul(t);
            // exp(−a²) = exp(−x²/2), written out as in gelu (why: see there)
            FloatVector u = a.mul(a).neg().max(-87.0f);
            FloatVector m = u.fma(FloatVector.broadcast(F, 1.44269504088896341f), FloatVector.broadcast(F, 12582912f));
            FloatVector fx = m.sub(12582912f);
            FloatVector r = fx.fma(FloatVector.broadcast(F, -0.693359375f), u).add(fx.mul(2.12194440e-4f));
            FloatVector y = FloatVector.broadcast(F, 1.9875691500e-4f)
                    .fma(r, FloatVector.broadcast(F, 1.3981999507e-3f))
                    .fma(r, FloatVector.broadcast(F, 8.3334519073e-3f))
                    .fma(r, FloatVector.broadcast(F, 4.1665795894e-2f))
                    .fma(r, FloatVector.broadcast(F, 1.6666665459e-1f))
                    .fma(r, FloatVector.broadcast(F, 5.0000001201e-1f));
            y = y.fma(r.mul(r), r).add(1f);
            FloatVector e = y.mul(m.reinterpretAsInts()
                    .sub(0x4B400000 - 127)
                    .lanewise(VectorOperators.LSHL, 23)
                    .reinterpretAsFloats());
            FloatVector erfAbs = FloatVector.broadcast(F, 1f).sub(poly.mul(e));
            FloatVector erf = erfAbs.lanewise(VectorOperators.NEG, z.compare(VectorOperators.LT, 0f));
            FloatVector cdf = erf.add(1f).mul(0.5f), pdf = e.mul(0.3989422804014327f); // φ(x) = exp(−x²/2)/√(2π)
            v.fma(pdf, cdf).mul(FloatVector.fromArray(F, dy, i)).intoArray(dx, i);
        }
        for (; i < to; i++) dx[i] = ScalarMath.geluBackward(dy[i], x[i]);
    }

    /**
     * One row of LayerNorm in float, out[o, o + dim) = (x − mean) / √(var + eps) · g + b, population variance, two passes.
     * The lane sums are added in lane order by hand ({@code reduceLanes} leaves its order to the platform), so a row's bits
     * do not depend on the JIT tier that ran it; a vector carried around a loop is never a method's receiver (see
     * {@link VectorAttention}'s rules).
     */
    static void layerNormRow(float[] x, int o, int dim, float[] g, float[] b, float eps, float[] out, float[] lanes) {
        int upper = F.loopBound(dim), c = 0;
        FloatVector sum = FloatVector.zero(F);
        for (; c < upper; c += F.length())
            sum = FloatVector.fromArray(F, x, o + c).add(sum);
        sum.intoArray(lanes, 0);
        float s = 0;
        for (int l = 0; l < F.length(); l++) s += lanes[l];
        for (; c < dim; c++) s += x[o + c];
        float mean = s / dim;
        FloatVector sq = FloatVector.zero(F);
        for (c = 0; c < upper; c += F.length()) {
            FloatVector d = FloatVector.fromArray(F, x, o + c).sub(mean);
            sq = d.fma(d, sq);
        }
        sq.intoArray(lanes, 0);
        float q = 0;
        for (int l = 0; l < F.length(); l++) q += lanes[l];
        for (; c < dim; c++) q += (x[o + c] - mean) * (x[o + c] - mean);
        float inv = (float) (1 / Math.sqrt(q / dim + (double) eps));
        for (c = 0; c < upper; c += F.length())
            FloatVector.fromArray(F, x, o + c)
                    .sub(mean)
                    .mul(inv)
                    .fma(FloatVector.fromArray(F, g, c), FloatVector.fromArray(F, b, c))
                    .intoArray(out, o + c);
        for (; c < dim; c++) out[o + c] = Math.fma((x[o + c] - mean) * inv, g[c], b[c]);
    }
}
