package io.jvit.core.fast;

import io.jvit.core.gemm.Epilogues;
import io.jvit.core.gemm.Sgemm;
import io.jvit.core.kernel.AttentionBias;
import io.jvit.core.kernel.AttentionShape;
import io.jvit.core.kernel.AttentionWorkspace;
import io.jvit.core.kernel.FusedAttention;
import io.jvit.core.kernel.Strided;
import io.jvit.core.pe.Alibi2d;

import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Gets the hot kernels compiled by C2 while the program is still loading its model. A Vector API kernel runs
 * 30–40 × slower before C2 has compiled it (the interpreter and C1 box every vector), and C2 compiles a method
 * only after thousands of calls and then takes a few hundred milliseconds to do it: measured in a cold
 * {@code ./vit features} run at 1036², the GEMM micro-kernel reached C2 1.5 s into the forward, the attention
 * kernels 3 s into it. This thread calls each kernel on tiny inputs about as often as C2's thresholds ask
 * (about 50 ms of CPU), so the compiler thread works on them in parallel with checkpoint and image loading.
 *
 * <p>Started once per process by the commands that compute ({@code -Djvit.warmup=false} turns it off). The kernels
 * are pure functions of their arguments: warming them has no effect on any result.
 */
public final class JitWarmup {
    private JitWarmup() {}

    private static final AtomicBoolean STARTED = new AtomicBoolean();

    /** Starts the warm-up thread (daemon, low priority), once. */
    public static void start() {
        if (!Boolean.parseBoolean(System.getProperty("jvit.warmup", "true")) || !STARTED.compareAndSet(false, true)) return;
        Thread t = new Thread(JitWarmup::run, "jvit-jit-warmup");
        t.setDaemon(true);
        t.setPriority(Thread.MIN_PRIORITY);
        t.start();
    }

    /** The calls themselves (also run synchronously by benchmarks that want a warm JIT without a warm-up phase). */
    public static void run() {
        // GEMM: full and edge tiles, the three epilogues the engine uses (2,000 calls ≈ 8,000 micro-kernel calls)
        int m = 20, n = 100, k = 24;
        float[] a = new float[m * k], b = new float[n * k], c = new float[m * n], x = new float[m * n], bias = new float[n];
        for (int i = 0; i < a.length; i++) a[i] = (i % 7) * 0.1f;
        for (int i = 0; i < b.length; i++) b[i] = (i % 5) * 0.1f;
        for (int it = 0; it < 2000; it++) {
            var epilogue = switch (it % 3) {
                case 0 -> Epilogues.bias(bias);
                case 1 -> Epilogues.biasGelu(bias);
                default -> Epilogues.biasScaleResidual(bias, bias, x, n);
            };
            Sgemm.gemm(false, true, m, n, k, 1f, a, 0, k, b, 0, k, 0f, c, 0, n, 1, epilogue, Sgemm.Impl.AUTO);
        }
        // attention: a 12 × 16 ALiBi grid with 5 prefix tokens (197 tokens: two query blocks, two key blocks), one head
        int gh = 12, gw = 16, prefix = 5, tokens = prefix + gh * gw, d = 64;
        float[] qkv = new float[tokens * 3 * d], out = new float[tokens * d];
        for (int i = 0; i < qkv.length; i++) qkv[i] = ((i * 31) % 17 - 8) * 0.05f;
        AttentionShape s = new AttentionShape(1, tokens, 1, d);
        AttentionBias alibi = AttentionBias.Alibi.of(Alibi2d.paperDefault(), gh, gw, prefix, new float[]{1f});
        AttentionWorkspace ws = new AttentionWorkspace();
        Strided q = new Strided(qkv, 0, 3 * d), kk = new Strided(qkv, d, 3 * d), v = new Strided(qkv, 2 * d, 3 * d);
        for (int it = 0; it < 150; it++)
            FusedAttention.forward(q, kk, v, Strided.of(out, d), s, it % 4 == 3 ? new AttentionBias.None() : alibi, 1, ws);
    }
}
