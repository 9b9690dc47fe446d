package io.jvit.train.engine;

import io.jvit.core.config.MlpKind;
import io.jvit.core.config.ViTConfig;
import io.jvit.core.model.ViTWeights;

/**
 * The heap one distillation step needs on the training engine, in bytes, by part: what {@code ./vit retrofit} checks
 * against the JVM's heap before it starts, to turn recomputation on when only that fits. With P_s and P_t the
 * student's and teacher's parameter counts, W = min(threads, B, micro-batch) workers of m = ⌈min(B, micro-batch)/W⌉
 * images each, R = m·N token rows per worker and R_t = B·N rows of the teacher's pass:
 * <pre>
 *   parameters  = (16 + 4·(W − 1))·P_s + 4·P_t       weights, gradients, 2 AdamW moments; one more gradient buffer per
 *                                                      extra worker; the frozen teacher
 *   activations = W · {@link TrainableViT#tapeBytes}(m)  each worker's tape (all blocks, or one with recompute)
 *   scratch     = W · 4·R·(7C + fc1 + hidden)         each worker's backward buffers (stream, branch, normed, att, qkv (3C),
 *                                                      fc1 output, activation)
 *   teacher     = 4·(R_t·(9C + fc1) + B·h·w·3p²)      the teacher's forward pass over the whole batch (FastViT's buffers)
 *   images      = 8·B·3·H·W                           the batch and its crop to the patch grid
 * </pre>
 * The JVM itself (code, metadata, stacks) and the young generation come on top; see docs/training.md.
 */
public record StepMemory(long parameters, long activations, long scratch, long teacher, long images) {

    public long total() {
        return parameters + activations + scratch + teacher + images;
    }

    /** The formula for a step of {@code batch} images of a gridH × gridW patch grid. */
    public static StepMemory distillation(
            ViTConfig teacher,
            ViTConfig student,
            int batch,
            int microBatch,
            int threads,
            int gridH,
            int gridW,
            boolean recompute) {
        int perPass = Math.min(batch, microBatch), workers = Math.min(threads, perPass);
        int each = (perPass + workers - 1) / workers;
        Sizes s = Sizes.of(student, each, gridH, gridW);
        long rows = s.rows(), c = s.dim();
        long params = (16L + 4L * (workers - 1)) * parameters(student) + 4L * parameters(teacher);
        long tapes = workers * TrainableViT.tapeBytes(student, each, gridH, gridW, recompute);
        long scratch = workers * 4L * rows * (7 * c + s.fc1() + s.hidden());
        Sizes t = Sizes.of(teacher, batch, gridH, gridW);
        int fc1 = teacher.mlpKind() == MlpKind.GELU ? teacher.mlpHidden() : 2 * teacher.mlpHidden();
        long p = teacher.patchSize();
        long teacherPass = 4L * ((long) t.rows() * (9L * t.dim() + fc1) + (long) batch * t.patches() * 3 * p * p);
        long images = 8L * batch * 3 * (gridH * p) * (gridW * p);
        return new StepMemory(params, tapes, scratch, teacherPass, images);
    }

    /** The parameter count of a configuration. */
    static long parameters(ViTConfig c) {
        long n = 0;
        for (long[] shape : ViTWeights.expectedShapes(c).values()) {
            long k = 1;
            for (long d : shape) k *= d;
            n += k;
        }
        return n;
    }
}
