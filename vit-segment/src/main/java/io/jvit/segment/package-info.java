/**
 * Trainable (Weka-style) segmentation: per-pixel features from a classical filter bank and/or a ViT's patch features,
 * XGBoost4J classifiers trained on scribbled label images, and the metrics (IoU, position R²) of the result.
 */
package io.jvit.segment;
