package io.jvit.bench;

import java.util.concurrent.TimeUnit;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;
import org.openjdk.jmh.annotations.*;
import org.openjdk.jmh.infra.Blackhole;

/**
 * Claim: this core's single-precision FMA peak, the yardstick for every kernel's GFLOP/s. 12 independent FMA chains
 * on the widest vectors (SPECIES_PREFERRED: 16 floats on AVX-512), all in registers: no loads, no stores, so nothing
 * but the FMA units' throughput limits it (12 chains cover 2 units × 4 cycles of latency one and a half times; with
 * 24 chains C2 ran out of registers and the loop ran at 58 % of this).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(
        value = 1,
        jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
public class FmaPeakBench {
    static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    public static final int STEPS = 100_000, CHAINS = 12;
    float x = 0.999f, y = 1e-7f;

    @Benchmark
    public void fma(Blackhole bh) {
        FloatVector a = FloatVector.broadcast(F, x), b = FloatVector.broadcast(F, y);
        FloatVector c0 = b, c1 = b, c2 = b, c3 = b, c4 = b, c5 = b, c6 = b, c7 = b, c8 = b, c9 = b, c10 = b, c11 = b;
        for (int i = 0; i < STEPS; i++) {
            c0 = c0.fma(a, b);
            c1 = c1.fma(a, b);
            c2 = c2.fma(a, b);
            c3 = c3.fma(a, b);
            c4 = c4.fma(a, b);
            c5 = c5.fma(a, b);
            c6 = c6.fma(a, b);
            c7 = c7.fma(a, b);
            c8 = c8.fma(a, b);
            c9 = c9.fma(a, b);
            c10 = c10.fma(a, b);
            c11 = c11.fma(a, b);
        }
        bh.consume(c0.add(c1)
                .add(c2)
                .add(c3)
                .add(c4)
                .add(c5)
                .add(c6)
                .add(c7)
                .add(c8)
                .add(c9)
                .add(c10)
                .add(c11)
                .reduceLanes(jdk.incubator.vector.VectorOperators.ADD));
    }

    @Benchmark
    public void baseline(Blackhole bh) {
        bh.consume(x);
    }

    /** Floating-point operations of one {@link #fma} call (an FMA is 2 per lane). */
    public static double flops() {
        return 2.0 * F.length() * CHAINS * STEPS;
    }
}
