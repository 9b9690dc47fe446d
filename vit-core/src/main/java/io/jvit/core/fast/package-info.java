/**
 * The inference engine on float arrays: {@link io.jvit.core.fast.FastViT} runs the same model as the SameDiff graph with
 * this library's GEMM and fused attention kernel, in O(N·C) memory, without loading ND4J when given float weights;
 * {@code JitWarmup} compiles the Vector API kernels while a model loads.
 */
package io.jvit.core.fast;
