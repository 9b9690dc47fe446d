package io.jvit.bench;

import io.jvit.core.gemm.Sgemm;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.openjdk.jmh.annotations.*;
import org.openjdk.jmh.infra.Blackhole;

/**
 * Claim: our sgemm ({@link Sgemm}) against ND4J's (OpenBLAS 0.3.19) on the ViT-S linear layers of a 2048-token
 * batch, y = x·Wᵀ (W stored (out, in), as PyTorch keeps it): qkv (384 → 1152), fc1 (384 → 1536), fc2 (1536 → 384).
 * Shapes are M × K × N.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(
        value = 1,
        jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
public class GemmBench {
    @Param({"2048x384x1152", "2048x384x1536", "2048x1536x384"})
    public String shape;

    @Param({"1"})
    public int threads;

    int m, k, n;
    float[] x, w, y;
    INDArray xa, wa, ya;

    @Setup
    public void setup() {
        io.jvit.core.util.Threads.configure(threads);
        String[] s = shape.split("x");
        m = Integer.parseInt(s[0]);
        k = Integer.parseInt(s[1]);
        n = Integer.parseInt(s[2]);
        SplittableRandom r = new SplittableRandom(1);
        x = new float[m * k];
        w = new float[n * k];
        y = new float[m * n];
        for (int i = 0; i < x.length; i++) x[i] = (float) r.nextDouble();
        for (int i = 0; i < w.length; i++) w[i] = (float) r.nextDouble();
        xa = Nd4j.create(x, new long[] {m, k});
        wa = Nd4j.create(w, new long[] {n, k});
        ya = Nd4j.create(DataType.FLOAT, m, n);
    }

    @Benchmark
    public float[] jvit() {
        Sgemm.gemm(false, true, m, n, k, 1f, x, 0, k, w, 0, k, 0f, y, 0, n, threads);
        return y;
    }

    @Benchmark
    public INDArray nd4j() {
        return Nd4j.gemm(xa, wa, ya, false, true, 1.0, 0.0);
    }

    @Benchmark
    public void baseline(Blackhole bh) {
        bh.consume(y);
    }

    public static double flops(String shape) {
        String[] s = shape.split("x");
        return Sgemm.flops(Integer.parseInt(s[0]), Integer.parseInt(s[2]), Integer.parseInt(s[1]));
    }
}
