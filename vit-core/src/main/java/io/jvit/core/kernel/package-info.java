/**
 * Fused (flash-style) attention on float arrays, forward and backward, never materialising the N × N matrix:
 * {@link io.jvit.core.kernel.FusedAttention} dispatches to the Vector API or the scalar kernel; ALiBi biases come from a
 * table ({@link io.jvit.core.kernel.AttentionBias}), RoPE rotates in place; {@code NaiveAttention} is the reference.
 */
package io.jvit.core.kernel;
