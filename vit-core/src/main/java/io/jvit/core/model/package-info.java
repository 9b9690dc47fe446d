/**
 * The model as an ND4J SameDiff graph, the reference the engines are checked against and the autodiff path:
 * {@link io.jvit.core.model.VisionTransformer} (config and weights), its layers (attention, MLP/SwiGLU, block), the
 * weights by canonical name ({@link io.jvit.core.model.ViTWeights}) and the named outputs
 * ({@link io.jvit.core.model.ViTOutput}).
 */
package io.jvit.core.model;
