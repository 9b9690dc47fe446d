package io.jvit.train.engine;

/**
 * What a training step minimises, given a sub-batch's forward pass: its share of the loss and ∂L/∂(final-normed tokens).
 * Distillation is {@link FeatureLoss} against teacher targets; SimMIM would be a masked-pixel loss here.
 */
@FunctionalInterface
public interface Objective {
    /**
     * @param tape        the forward pass of images first … first + tape.batch() − 1 of the step's batch
     * @param totalImages the step's batch size: sub-batch shares must add up to the batch's mean
     * @param dNormed     receives ∂L/∂(tape.normed()), (tape.batch()·N, C), overwritten
     * @return this sub-batch's share of the loss
     */
    double lossAndGradient(Tape tape, int first, int totalImages, float[] dNormed);
}
