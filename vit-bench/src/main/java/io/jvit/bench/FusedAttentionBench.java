package io.jvit.bench;

import io.jvit.core.kernel.AttentionBias;
import io.jvit.core.kernel.FusedAttention;
import io.jvit.core.kernel.Strided;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.*;
import org.openjdk.jmh.infra.Blackhole;

/**
 * Claim: our fused CPU attention computes ALiBi attention without materialising anything N × N, and the
 * bias costs ≤ 10% over no bias. One thread. {@code baseline} does nothing but touch the output.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(
        value = 1,
        jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
public class FusedAttentionBench {
    @Param({"261", "1374", "5476"})
    public int n;

    @Param({"none", "alibi"})
    public String bias;

    @Param({"vector"})
    public String impl;

    Workload w;
    AttentionBias b;
    float[] out;
    Strided q, k, v, o;

    @Setup
    public void setup() {
        w = Workload.of(n, 1);
        b = bias.equals("alibi") ? w.alibi() : new AttentionBias.None();
        int width = w.width();
        q = new Strided(w.qkv(), 0, 3 * width);
        k = new Strided(w.qkv(), width, 3 * width);
        v = new Strided(w.qkv(), 2 * width, 3 * width);
        out = new float[n * width];
        o = Strided.of(out, width);
    }

    @Benchmark
    public float[] fused() {
        FusedAttention.forward(
                q,
                k,
                v,
                o,
                w.shape(),
                b,
                1,
                impl.equals("scalar") ? FusedAttention.Impl.SCALAR : FusedAttention.Impl.VECTOR);
        return out;
    }

    @Benchmark
    public void baseline(Blackhole bh) {
        bh.consume(out);
    }
}
