/**
 * Training: {@link io.jvit.core.Engine} names the two implementations that train a student or a teacher.
 *
 * <ul>
 *   <li>{@code engine}: the training engine — a ViT's forward and backward on float arrays, data-parallel over threads,
 *       optional per-block recomputation ({@code TrainableViT.tapeBytes} gives its activation memory).</li>
 *   <li>{@code optim}: AdamW on the engine's flat arrays.</li>
 *   <li>{@code retrofit}: the paper's ALiBi retrofit as a job ({@code Retrofit}: data split, epochs, {@code metrics.csv},
 *       best/last saves, resume), written once over the {@code Distiller} interface; {@code FastDistiller} (the engine),
 *       {@code Students} (teacher → student), {@code ImageSet} (a folder of training images).</li>
 *   <li>{@code pretrain}: SimMIM masked-image pre-training on the engine ({@code FastSimMim}).</li>
 *   <li>{@code samediff}: the ND4J SameDiff reference path the engine is checked against and can be swapped for
 *       ({@code Engine.SAMEDIFF}): {@code SameDiffDistiller}, {@code GraphTraining}, its {@code AdamW},
 *       {@code DistillationLoss}, {@code SimMim}.</li>
 * </ul>
 * Both engines write the same training-state file ({@code last.state.safetensors}: student, AdamW moments and step),
 * so a run started on one resumes on the other.
 */
package io.jvit.train;
