package io.jvit.train.engine;

import io.jvit.core.util.Parallel;

import java.util.Arrays;

/**
 * Loss and gradients of one batch, with data parallelism and gradient accumulation: the batch is cut into
 * micro-batches of at most {@code microBatch} images (run one after another: activation memory of one micro-batch),
 * and each micro-batch's images are split over up to {@code threads} workers (worker w of T gets the contiguous images
 * [w·n/T, (w+1)·n/T)). Each worker runs forward and backward on its images with its own tape and adds into its own
 * gradient buffer; at the end the buffers are summed in worker order 0, 1, …, T−1. The arithmetic therefore depends only
 * on (batch size, micro-batch, thread count): two runs with the same ones give bit-identical gradients.
 * When a micro-batch has fewer images than threads, the spare threads go to the kernels (GEMM, attention) of each worker.
 */
public final class GradientStep {
    private final TrainableViT model;
    private final int threads, microBatch;
    private final Params[] workerGrads;
    private final double[] workerLoss;

    public GradientStep(TrainableViT model, int threads, int microBatch) {
        if (threads < 1) throw new IllegalArgumentException("thread count must be >= 1, got " + threads);
        if (microBatch < 1) throw new IllegalArgumentException("micro-batch must be >= 1, got " + microBatch);
        this.model = model;
        this.threads = threads;
        this.microBatch = microBatch;
        this.workerGrads = new Params[threads];
        this.workerLoss = new double[threads];
    }

    public TrainableViT model() { return model; }
    public int threads() { return threads; }
    public int microBatch() { return microBatch; }

    /**
     * Runs the batch {@code images} (B, 3, H, W) and writes the batch's ∂L/∂θ into {@code grads} (overwritten).
     * @return the batch's loss (the objective's mean over the whole batch)
     */
    public double run(float[] images, int batch, int height, int width, Objective objective, Params grads) {
        if (batch < 1) throw new IllegalArgumentException("batch must be >= 1, got " + batch);
        if (images.length != (long) batch * 3 * height * width)
            throw new IllegalArgumentException(images.length + " floats are not " + batch + " images of 3×" + height + "×" + width);
        int pixels = 3 * height * width;
        int used = Math.min(threads, Math.min(batch, microBatch));
        for (int w = 0; w < used; w++) {
            if (workerGrads[w] == null) workerGrads[w] = Params.zerosLike(model.params());
            workerGrads[w].zero();
        }
        Arrays.fill(workerLoss, 0);
        for (int start = 0; start < batch; start += microBatch) {
            int size = Math.min(microBatch, batch - start), workers = Math.min(used, size), chunk0 = start;
            int kernelThreads = Math.max(1, threads / workers);
            Parallel.forRange(workers, workers, (w, from, to) -> {
                for (int wk = from; wk < to; wk++) {
                    int a = chunk0 + (int) ((long) wk * size / workers), b = chunk0 + (int) ((long) (wk + 1) * size / workers);
                    if (a == b) continue;
                    float[] sub = Arrays.copyOfRange(images, a * pixels, b * pixels);
                    Tape tape = model.forward(sub, b - a, height, width, kernelThreads);
                    float[] dNormed = new float[tape.normed().length];
                    workerLoss[wk] += objective.lossAndGradient(tape, a, batch, dNormed);
                    model.backward(tape, dNormed, workerGrads[wk], kernelThreads);
                }
            });
        }
        grads.copyFrom(workerGrads[0]);
        double loss = workerLoss[0];
        for (int w = 1; w < used; w++) {
            grads.add(workerGrads[w]);
            loss += workerLoss[w];
        }
        return loss;
    }
}
