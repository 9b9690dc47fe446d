package io.jvit.bench.ab;

import java.util.Arrays;
import java.util.function.DoubleSupplier;

/**
 * The measuring loop of {@link KernelAB} and {@link ForwardAB}: warm-up samples of both builds alternating, then
 * {@code pairs} pairs with the order flipping every pair; a sample is the summed CPU time of {@code calls} calls.
 *
 * @param a     A's samples, sorted
 * @param b     B's samples, sorted
 * @param ratio the per-pair ratios B/A, sorted
 */
record Interleaved(double[] a, double[] b, double[] ratio) {
    static Interleaved run(DoubleSupplier runA, DoubleSupplier runB, int warmups, int pairs, int calls) {
        for (int w = 0; w < warmups; w++) { // JIT both
            sample(runA, calls);
            sample(runB, calls);
        }
        double[] a = new double[pairs], b = new double[pairs], ratio = new double[pairs];
        for (int p = 0; p < pairs; p++) {
            if (p % 2 == 0) {
                a[p] = sample(runA, calls);
                b[p] = sample(runB, calls);
            } else {
                b[p] = sample(runB, calls);
                a[p] = sample(runA, calls);
            }
            ratio[p] = b[p] / a[p];
        }
        Arrays.sort(a);
        Arrays.sort(b);
        Arrays.sort(ratio);
        return new Interleaved(a, b, ratio);
    }

    double medianA() {
        return a[a.length / 2];
    }

    double medianB() {
        return b[b.length / 2];
    }

    double medianRatio() {
        return ratio[ratio.length / 2];
    }

    double ratioQ1() {
        return ratio[ratio.length / 4];
    }

    double ratioQ3() {
        return ratio[3 * ratio.length / 4];
    }

    private static double sample(DoubleSupplier run, int calls) {
        double t = 0;
        for (int i = 0; i < calls; i++) t += run.getAsDouble();
        return t;
    }
}
