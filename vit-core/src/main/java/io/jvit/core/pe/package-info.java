/**
 * Positional encodings, one record per kind behind {@link io.jvit.core.pe.PositionalEncoding}: learned absolute
 * (DINOv2), 2D sin-cos, 2D RoPE, the paper's 2D ALiBi (distances and slopes) and none; {@link io.jvit.core.pe.Pe} names
 * the choice when loading a checkpoint.
 */
package io.jvit.core.pe;
