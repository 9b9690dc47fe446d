package io.jvit.core.util;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * A static parallel-for for equal-sized tasks: worker w of T gets the contiguous range of task indices
 * [w·n/T, (w+1)·n/T), so consecutive tasks (which share cached data in our kernels) stay on one thread.
 * The calling thread is worker 0; the others come from a daemon pool kept per thread count.
 */
public final class Parallel {
    private Parallel() {}

    @FunctionalInterface
    public interface RangeBody {
        void run(int worker, int from, int to);
    }

    private static final Map<Integer, ExecutorService> POOLS = new ConcurrentHashMap<>();

    public static void forRange(int tasks, int threads, RangeBody body) {
        if (threads < 1) throw new IllegalArgumentException("thread count must be >= 1, got " + threads);
        int t = Math.min(threads, Math.max(1, tasks));
        if (t == 1) {
            body.run(0, 0, tasks);
            return;
        }
        ExecutorService pool = POOLS.computeIfAbsent(
                t - 1,
                k -> Executors.newFixedThreadPool(k, r -> {
                    Thread th = new Thread(r, "jvit-worker");
                    th.setDaemon(true);
                    return th;
                }));
        List<Future<?>> futures = new ArrayList<>();
        for (int w = 1; w < t; w++) {
            int worker = w, from = (int) ((long) w * tasks / t), to = (int) ((long) (w + 1) * tasks / t);
            futures.add(pool.submit(() -> body.run(worker, from, to)));
        }
        body.run(0, 0, (int) ((long) tasks / t));
        try {
            for (Future<?> f : futures) f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException re) throw re;
            if (e.getCause() instanceof Error er) throw er;
            throw new IllegalStateException(e.getCause());
        }
    }
}
