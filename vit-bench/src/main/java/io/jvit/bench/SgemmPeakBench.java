package io.jvit.bench;

import java.util.concurrent.TimeUnit;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.openjdk.jmh.annotations.*;
import org.openjdk.jmh.infra.Blackhole;

/** Claim: the machine's single-core sgemm peak (ND4J's OpenBLAS, 1024³), the yardstick for every GFLOP/s we report. */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(
        value = 1,
        jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
public class SgemmPeakBench {
    public static final int SIZE = 1024;
    INDArray a, b, c;

    @Setup
    public void setup() {
        io.jvit.core.util.Threads.configure(1);
        a = Nd4j.rand(DataType.FLOAT, SIZE, SIZE);
        b = Nd4j.rand(DataType.FLOAT, SIZE, SIZE);
        c = Nd4j.create(DataType.FLOAT, SIZE, SIZE);
    }

    @Benchmark
    public INDArray sgemm() {
        return Nd4j.gemm(a, b, c, false, false, 1.0, 0.0);
    }

    @Benchmark
    public void baseline(Blackhole bh) {
        bh.consume(c);
    }

    public static double flops() {
        return 2.0 * SIZE * SIZE * SIZE;
    }
}
