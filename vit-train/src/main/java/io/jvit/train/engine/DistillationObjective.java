package io.jvit.train.engine;

/**
 * Feature distillation as an {@link Objective}: the student's final-normed patch tokens against the teacher's,
 * {@code targets} (B, h, w, C) for the whole step's batch, blanked channels already zero.
 */
public record DistillationObjective(FeatureLoss loss, float[] targets) implements Objective {
    @Override
    public double lossAndGradient(Tape t, int first, int totalImages, float[] dNormed) {
        int hw = t.gridH() * t.gridW(), dim = t.width();
        if (targets.length != (long) totalImages * hw * dim)
            throw new IllegalArgumentException("targets hold " + targets.length + " floats, the batch needs "
                    + totalImages + " × " + hw + " × " + dim);
        return loss.forwardBackward(
                t.normed(), t.batch(), t.prefixTokens(), hw, dim, targets, first, totalImages, dNormed);
    }
}
