/**
 * The training engine: a ViT's forward and backward pass on float arrays, one concept per file, each layer's forward
 * and backward side by side (llm.c's {@code train_gpt2.c} style).
 *
 * <ul>
 *   <li>{@link io.jvit.train.engine.Params}: parameters, gradients and moments as flat arrays by canonical name.</li>
 *   <li>Layers: {@code Linear} (every product through {@code io.jvit.core.gemm.Sgemm}), {@code LayerNorm}, {@code Gelu},
 *       {@code SwiGlu}, {@code Residual} (LayerScale), {@code RopeRotation}, {@code SelfAttention} (the fused kernel of
 *       {@code io.jvit.core.kernel.FusedAttention}), {@code Mlp}, {@code Block}, {@code PatchEmbedding},
 *       {@code PositionTable} (learned through its resampling matrix, sin-cos), {@code Tokens} (CLS, registers).</li>
 *   <li>{@link io.jvit.train.engine.TrainableViT}: the model's forward ({@link io.jvit.train.engine.Tape}) and backward;
 *       its class comment gives the activation memory formula.</li>
 *   <li>{@link io.jvit.train.engine.Objective}, {@link io.jvit.train.engine.FeatureLoss},
 *       {@link io.jvit.train.engine.DistillationObjective}: what a step minimises.</li>
 *   <li>{@link io.jvit.train.engine.GradientStep}: data parallelism over images and micro-batch accumulation,
 *       deterministic for a given thread count.</li>
 * </ul>
 */
package io.jvit.train.engine;
