package io.jvit.core.fast;

import io.jvit.core.gemm.Epilogues;
import io.jvit.core.gemm.Sgemm;
import io.jvit.core.kernel.AttentionBias;
import io.jvit.core.kernel.AttentionShape;
import io.jvit.core.kernel.AttentionWorkspace;
import io.jvit.core.kernel.FusedAttention;
import io.jvit.core.kernel.Strided;
import io.jvit.core.pe.Alibi2d;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongSupplier;

/**
 * Gets the hot kernels compiled by C2 while the program is still loading its model. A Vector API kernel runs
 * 30–40 × slower before C2 has compiled it (the interpreter and C1 box every vector), and C2 compiles a method
 * only after thousands of calls and then takes a few hundred milliseconds to do it: measured in a cold
 * {@code ./vit features} run at 1036², the GEMM micro-kernel reached C2 1.5 s into the forward, the attention
 * kernels 3 s into it. This thread calls each kernel on tiny inputs until its calls turn fast (C2's code is in),
 * so the compiler works on them in parallel with checkpoint and image loading; {@link #awaitGemm} and
 * {@link #awaitAttention} let the first forward pass wait for that instead of running the slow code (waiting leaves the
 * core to the compiler).
 *
 * <p>Started once per process by the commands that compute ({@code -Djvit.warmup=false} turns it off). The kernels
 * are pure functions of their arguments: warming them has no effect on any result.
 */
public final class JitWarmup {
    private JitWarmup() {}

    private static final AtomicBoolean STARTED = new AtomicBoolean();
    private static final CountDownLatch GEMM = new CountDownLatch(1), ATTENTION = new CountDownLatch(1);
    /** Longest the warm-up runs (and the first forward waits): past it C2 is starved and running beats waiting. */
    static final long MAX_MILLIS = 3000;

    /** Starts the warm-up thread (daemon), once. */
    public static void start() {
        if (!Boolean.parseBoolean(System.getProperty("jvit.warmup", "true")) || !STARTED.compareAndSet(false, true))
            return;
        Thread t = new Thread(
                () -> {
                    try {
                        run();
                    } finally {
                        GEMM.countDown();
                        ATTENTION.countDown();
                    }
                },
                "jvit-jit-warmup");
        t.setDaemon(true);
        t.start();
    }

    /**
     * Blocks until the started warm-up has the GEMM fast (at most {@link #MAX_MILLIS}); returns at once when none runs.
     * The attention kernels compile while the first GEMMs run: {@link #awaitAttention} before the first attention call.
     */
    public static void awaitGemm() {
        await(GEMM);
    }

    /** As {@link #awaitGemm}, for the attention kernels. */
    public static void awaitAttention() {
        await(ATTENTION);
    }

    private static void await(CountDownLatch latch) {
        if (!STARTED.get()) return;
        try {
            latch.await(MAX_MILLIS, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The calls themselves: each kernel until it runs fast (C2's code) or the time is up. */
    public static void run() {
        long deadline = System.nanoTime() + MAX_MILLIS * 1_000_000;
        // GEMM: full and edge tiles, the three epilogues the engine uses
        int m = 20, n = 100, k = 24;
        float[] a = new float[m * k],
                b = new float[n * k],
                c = new float[m * n],
                x = new float[m * n],
                bias = new float[n];
        for (int i = 0; i < a.length; i++) a[i] = (i % 7) * 0.1f;
        for (int i = 0; i < b.length; i++) b[i] = (i % 5) * 0.1f;
        int[] it = {0};
        untilFast(
                () -> {
                    var epilogue = switch (it[0]++ % 3) {
                        case 0 -> Epilogues.bias(bias);
                        case 1 -> Epilogues.biasGelu(bias);
                        default -> Epilogues.biasScaleResidual(bias, bias, x, n);
                    };
                    long t0 = System.nanoTime();
                    Sgemm.gemm(false, true, m, n, k, 1f, a, 0, k, b, 0, k, 0f, c, 0, n, 1, epilogue, Sgemm.Impl.AUTO);
                    return System.nanoTime() - t0;
                },
                3000,
                deadline);
        GEMM.countDown();
        // attention: a 12 × 16 ALiBi grid with 5 prefix tokens (197 tokens: two query blocks, two key blocks), one head
        int gh = 12, gw = 16, prefix = 5, tokens = prefix + gh * gw, d = 64;
        float[] qkv = new float[tokens * 3 * d], out = new float[tokens * d];
        for (int i = 0; i < qkv.length; i++) qkv[i] = ((i * 31) % 17 - 8) * 0.05f;
        AttentionShape s = new AttentionShape(1, tokens, 1, d);
        AttentionBias alibi = AttentionBias.Alibi.of(Alibi2d.paperDefault(), gh, gw, prefix, new float[] {1f});
        AttentionWorkspace ws = new AttentionWorkspace();
        Strided q = new Strided(qkv, 0, 3 * d), kk = new Strided(qkv, d, 3 * d), v = new Strided(qkv, 2 * d, 3 * d);
        untilFast(
                () -> {
                    long t0 = System.nanoTime();
                    FusedAttention.forward(
                            q,
                            kk,
                            v,
                            Strided.of(out, d),
                            s,
                            it[0]++ % 4 == 3 ? new AttentionBias.None() : alibi,
                            1,
                            ws);
                    return System.nanoTime() - t0;
                },
                150,
                deadline);
    }

    /**
     * Calls {@code call} (which returns its own duration) at least {@code minCalls} times, then until the last 20 calls
     * took a tenth of the time of the first 20 (the compiled code is in) or the deadline passes.
     */
    static void untilFast(LongSupplier call, int minCalls, long deadline) {
        long first = 0, recent = 0;
        for (int i = 0; System.nanoTime() < deadline; i++) {
            long t = call.getAsLong();
            if (i < 20) first += t;
            recent = i % 20 == 0 ? t : recent + t;
            if (i >= minCalls && i % 20 == 19 && recent * 10 < first) return;
        }
    }
}
