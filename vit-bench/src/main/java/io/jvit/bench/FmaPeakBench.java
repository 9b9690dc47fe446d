package io.jvit.bench;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;
import org.openjdk.jmh.annotations.*;
import org.openjdk.jmh.infra.Blackhole;

import java.util.concurrent.TimeUnit;

/**
 * Claim: this core's single-precision FMA peak, the yardstick for every kernel's GFLOP/s. 24 independent FMA chains
 * on the widest vectors (SPECIES_PREFERRED: 16 floats on AVX-512), all in registers: no loads, no stores, so nothing
 * but the FMA units' throughput limits it (24 chains cover 2 units × 4 cycles of latency three times over).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
public class FmaPeakBench {
    static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    public static final int STEPS = 100_000, CHAINS = 24;
    float x = 0.999f, y = 1e-7f;

    @Benchmark
    public void fma(Blackhole bh) {
        FloatVector a = FloatVector.broadcast(F, x), b = FloatVector.broadcast(F, y);
        FloatVector c0 = b, c1 = b, c2 = b, c3 = b, c4 = b, c5 = b, c6 = b, c7 = b, c8 = b, c9 = b, c10 = b, c11 = b;
        FloatVector c12 = b, c13 = b, c14 = b, c15 = b, c16 = b, c17 = b, c18 = b, c19 = b, c20 = b, c21 = b, c22 = b, c23 = b;
        for (int i = 0; i < STEPS; i++) {
            c0 = c0.fma(a, b); c1 = c1.fma(a, b); c2 = c2.fma(a, b); c3 = c3.fma(a, b); c4 = c4.fma(a, b); c5 = c5.fma(a, b);
            c6 = c6.fma(a, b); c7 = c7.fma(a, b); c8 = c8.fma(a, b); c9 = c9.fma(a, b); c10 = c10.fma(a, b); c11 = c11.fma(a, b);
            c12 = c12.fma(a, b); c13 = c13.fma(a, b); c14 = c14.fma(a, b); c15 = c15.fma(a, b); c16 = c16.fma(a, b); c17 = c17.fma(a, b);
            c18 = c18.fma(a, b); c19 = c19.fma(a, b); c20 = c20.fma(a, b); c21 = c21.fma(a, b); c22 = c22.fma(a, b); c23 = c23.fma(a, b);
        }
        bh.consume(c0.add(c1).add(c2).add(c3).add(c4).add(c5).add(c6).add(c7).add(c8).add(c9).add(c10).add(c11)
                .add(c12).add(c13).add(c14).add(c15).add(c16).add(c17).add(c18).add(c19).add(c20).add(c21).add(c22).add(c23)
                .reduceLanes(jdk.incubator.vector.VectorOperators.ADD));
    }

    @Benchmark
    public void baseline(Blackhole bh) { bh.consume(x); }

    /** Floating-point operations of one {@link #fma} call (an FMA is 2 per lane). */
    public static double flops() { return 2.0 * F.length() * CHAINS * STEPS; }
}
