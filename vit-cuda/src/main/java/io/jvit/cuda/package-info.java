/**
 * Fused 2D-ALiBi flash attention on NVIDIA GPUs through JCuda's driver API (fatbin or PTX shipped as resources, no
 * NVRTC at run time): {@link io.jvit.cuda.CudaAttention}, {@link io.jvit.cuda.AcceleratedAttention} (the GPU when there is
 * one, else the CPU kernel) and {@link io.jvit.cuda.GpuCheck}.
 */
package io.jvit.cuda;
