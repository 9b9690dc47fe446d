package io.jvit.train.engine;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Loss and gradients of one batch, with data parallelism and gradient accumulation: the batch is cut into
 * micro-batches of at most {@code microBatch} images (run one after another: activation memory of one micro-batch),
 * and each micro-batch's images are split over up to {@code threads} workers (worker w of T gets the contiguous images
 * [w·n/T, (w+1)·n/T)). Each worker runs forward and backward on its images with its own tape and adds into its own
 * gradient buffer; at the end the buffers are summed in worker order 0, 1, …, T−1. The arithmetic therefore depends only
 * on (batch size, micro-batch, thread count): two runs with the same ones give bit-identical gradients.
 * When a micro-batch has fewer images than threads, the spare threads go to the kernels (GEMM, attention) of each worker.
 *
 * <p>The workers run on their own pool, not on {@code io.jvit.core.util.Parallel}'s: the kernels inside a worker use
 * Parallel, and a worker occupying one of Parallel's pool threads while waiting on that same pool would deadlock.
 */
public final class GradientStep {
    private final TrainableViT model;
    private final int threads, microBatch;
    private final Params[] workerGrads;
    private final Tape[] workerTapes; // each worker's activations, reused by the next step of the same sizes
    private final double[] workerLoss;
    private final float[][] workerImages, workerDNormed; // each worker's input copy and ∂L/∂normed, reused

    public GradientStep(TrainableViT model, int threads, int microBatch) {
        if (threads < 1) throw new IllegalArgumentException("thread count must be >= 1, got " + threads);
        if (microBatch < 1) throw new IllegalArgumentException("micro-batch must be >= 1, got " + microBatch);
        this.model = model;
        this.threads = threads;
        this.microBatch = microBatch;
        this.workerGrads = new Params[threads];
        this.workerTapes = new Tape[threads];
        this.workerLoss = new double[threads];
        this.workerImages = new float[threads][];
        this.workerDNormed = new float[threads][];
    }

    public TrainableViT model() {
        return model;
    }

    public int threads() {
        return threads;
    }

    public int microBatch() {
        return microBatch;
    }

    /**
     * Runs the batch {@code images} (B, 3, H, W) and writes the batch's ∂L/∂θ into {@code grads} (overwritten).
     * @return the batch's loss (the objective's mean over the whole batch)
     */
    public synchronized double run(
            float[] images, int batch, int height, int width, Objective objective, Params grads) {
        if (batch < 1) throw new IllegalArgumentException("batch must be >= 1, got " + batch);
        if (images.length != (long) batch * 3 * height * width)
            throw new IllegalArgumentException(
                    images.length + " floats are not " + batch + " images of 3×" + height + "×" + width);
        int pixels = 3 * height * width;
        int used = Math.min(threads, Math.min(batch, microBatch));
        // worker 0 adds straight into grads (one gradient buffer fewer: 4 bytes per parameter), the others into theirs
        Params[] buffers = new Params[used];
        for (int w = 0; w < used; w++) {
            if (w > 0 && workerGrads[w] == null) workerGrads[w] = Params.zerosLike(model.params());
            buffers[w] = w == 0 ? grads : workerGrads[w];
            buffers[w].zero();
        }
        Arrays.fill(workerLoss, 0);
        for (int start = 0; start < batch; start += microBatch) {
            int size = Math.min(microBatch, batch - start), workers = Math.min(used, size), chunk0 = start;
            int kernelThreads = Math.max(1, threads / workers);
            List<Runnable> tasks = new ArrayList<>();
            for (int w = 0; w < workers; w++) {
                int wk = w,
                        a = chunk0 + (int) ((long) w * size / workers),
                        b = chunk0 + (int) ((long) (w + 1) * size / workers);
                if (a == b) continue;
                tasks.add(() -> {
                    // the worker's images and ∂L/∂normed in arrays kept from the last micro-batch of this size
                    int length = (b - a) * pixels;
                    float[] sub = images; // the whole batch: no copy
                    if (length != images.length) {
                        sub = workerImages[wk] = reuse(workerImages[wk], length);
                        System.arraycopy(images, a * pixels, sub, 0, length);
                    }
                    Tape tape =
                            workerTapes[wk] = model.forward(sub, b - a, height, width, kernelThreads, workerTapes[wk]);
                    float[] dNormed = workerDNormed[wk] = reuse(workerDNormed[wk], tape.normed().length);
                    Arrays.fill(dNormed, 0f);
                    workerLoss[wk] += objective.lossAndGradient(tape, a, batch, dNormed);
                    model.backward(tape, dNormed, buffers[wk], kernelThreads);
                });
            }
            runAll(tasks);
        }
        double loss = workerLoss[0];
        for (int w = 1; w < used; w++) {
            grads.add(workerGrads[w]);
            loss += workerLoss[w];
        }
        return loss;
    }

    /** {@code kept} when it has {@code length} floats, else a new array. */
    private static float[] reuse(float[] kept, int length) {
        return kept != null && kept.length == length ? kept : new float[length];
    }

    private static final Map<Integer, ExecutorService> POOLS = new ConcurrentHashMap<>();

    /** Runs the tasks concurrently, the first on the calling thread; rethrows the first failure. */
    private static void runAll(List<Runnable> tasks) {
        if (tasks.size() == 1) {
            tasks.get(0).run();
            return;
        }
        ExecutorService pool = POOLS.computeIfAbsent(
                tasks.size() - 1,
                k -> Executors.newFixedThreadPool(k, r -> {
                    Thread t = new Thread(r, "jvit-train-worker");
                    t.setDaemon(true);
                    return t;
                }));
        List<Future<?>> futures = new ArrayList<>();
        for (Runnable t : tasks.subList(1, tasks.size())) futures.add(pool.submit(t));
        RuntimeException first = null;
        try {
            tasks.get(0).run();
        } catch (RuntimeException e) {
            first = e;
        }
        for (Future<?> f : futures) {
            try {
                f.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted", e);
            } catch (ExecutionException e) {
                if (first == null)
                    first = e.getCause() instanceof RuntimeException re ? re : new IllegalStateException(e.getCause());
            }
        }
        if (first != null) throw first;
    }
}
