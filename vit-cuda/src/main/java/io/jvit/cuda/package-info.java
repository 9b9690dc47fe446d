/** Fused 2D-ALiBi flash-attention kernels for CUDA through JCuda (to come with the kernel issue). */
package io.jvit.cuda;
