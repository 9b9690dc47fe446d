package io.jvit.bench;

import io.jvit.core.kernel.AttentionBias;
import io.jvit.core.kernel.AttentionWorkspace;
import io.jvit.core.kernel.FusedAttention;
import io.jvit.core.kernel.Strided;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.*;
import org.openjdk.jmh.infra.Blackhole;

/**
 * Claim: our fused CPU attention backward (FlashAttention-2's algorithm, nothing N × N) costs about twice its forward
 * pass for training (5 block products against 2, P recomputed from lse), with ALiBi and with learned slopes alike.
 * One thread, ViT-S heads (6 × 64). {@code baseline} does nothing but touch the gradients.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(
        value = 1,
        jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
public class AttentionBackwardBench {
    @Param({"261", "1374"})
    public int n;

    @Param({"none", "alibi", "learned"})
    public String bias; // learned: ALiBi with the slopes' gradients asked for

    @Param({"vector"})
    public String impl;

    Workload w;
    AttentionBias b;
    FusedAttention.Impl im;
    AttentionWorkspace ws;
    float[] out, lse, grads, dSlopes;
    Strided q, k, v, o, dOut, dq, dk, dv;

    @Setup
    public void setup() {
        w = Workload.of(n, 1);
        b = bias.equals("none") ? new AttentionBias.None() : w.alibi();
        im = impl.equals("scalar") ? FusedAttention.Impl.SCALAR : FusedAttention.Impl.VECTOR;
        ws = new AttentionWorkspace();
        int width = w.width();
        q = new Strided(w.qkv(), 0, 3 * width);
        k = new Strided(w.qkv(), width, 3 * width);
        v = new Strided(w.qkv(), 2 * width, 3 * width);
        out = new float[n * width];
        o = Strided.of(out, width);
        lse = new float[w.heads() * n];
        float[] g = new float[n * width];
        Random r = new Random(1);
        for (int i = 0; i < g.length; i++) g[i] = (float) r.nextGaussian();
        dOut = Strided.of(g, width);
        grads = new float[n * 3 * width]; // the qkv layer's gradient: three views of one array
        dq = new Strided(grads, 0, 3 * width);
        dk = new Strided(grads, width, 3 * width);
        dv = new Strided(grads, 2 * width, 3 * width);
        dSlopes = bias.equals("learned") ? new float[w.heads()] : null;
        FusedAttention.forwardForTraining(q, k, v, o, lse, w.shape(), b, 1, im, ws);
    }

    @Benchmark
    public float[] forwardForTraining() {
        FusedAttention.forwardForTraining(q, k, v, o, lse, w.shape(), b, 1, im, ws);
        return lse;
    }

    @Benchmark
    public float[] backward() {
        FusedAttention.backward(q, k, v, o, lse, dOut, dq, dk, dv, dSlopes, w.shape(), b, 1, im, ws);
        return grads;
    }

    @Benchmark
    public void baseline(Blackhole bh) {
        bh.consume(grads);
    }
}
