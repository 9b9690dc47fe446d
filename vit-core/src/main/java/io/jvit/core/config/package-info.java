/**
 * What fixes a model's shape: {@link io.jvit.core.config.ViTConfig} (a record, with a builder of named defaults), the
 * released DINOv2 architectures by name ({@link io.jvit.core.config.Presets}), the MLP kind and the configuration's JSON
 * form stored in checkpoints.
 */
package io.jvit.core.config;
