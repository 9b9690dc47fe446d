/**
 * The library's entry point: {@link io.jvit.core.Backbone} loads a checkpoint (or builds a model in code) and gives
 * {@link io.jvit.core.Features} on the fast engine, every output with {@code forward}, and saves models;
 * {@link io.jvit.core.Engine} chooses the engine (fast float arrays or the SameDiff graph).
 *
 * <pre>{@code
 * Backbone vit = Backbone.load(Path.of("alibi_coco_dv2_vits14_reg4.pth"), Pe.ALIBI);
 * Features f = vit.features(Path.of("micrograph.png"));
 * }</pre>
 *
 * The packages below are the parts it is made of: {@code config} (shapes, presets), {@code pe} (positional
 * encodings), {@code checkpoint} (readers and writers), {@code model} (the SameDiff graph), {@code fast} (the inference
 * engine), {@code gemm} and {@code kernel} (its matrix product and attention), {@code image}, {@code io}, {@code util}.
 */
package io.jvit.core;
