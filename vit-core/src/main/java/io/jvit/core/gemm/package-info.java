/**
 * Single-precision matrix products, row-major, BLAS-style: {@link io.jvit.core.gemm.Sgemm} dispatches to the Vector API
 * kernel (register-blocked micro-kernel, packed panels, cache blocks, threads, fused epilogues) or a scalar one;
 * {@code NaiveSgemm} is the reference the tests compare with.
 */
package io.jvit.core.gemm;
