package io.jvit.bench;

import static jcuda.driver.JCudaDriver.cuCtxSynchronize;
import static jcuda.driver.JCudaDriver.cuMemcpyHtoD;

import io.jvit.core.kernel.Strided;
import io.jvit.cuda.AcceleratedAttention;
import io.jvit.cuda.CudaAttention;
import java.util.concurrent.TimeUnit;
import jcuda.Pointer;
import jcuda.Sizeof;
import jcuda.driver.CUdeviceptr;
import org.openjdk.jmh.annotations.*;

/**
 * Claim: our fused CUDA kernel computes ALiBi attention with the bias formed on the GPU (computed in registers by the
 * shipped bf16 kernel, v5 {@code BF16_PAIRED}), never as an N × N tensor. The versions that do not ship are timed by
 * vit-cuda's dev check ({@code vit-cuda/dev/README.md}).
 * bf16 inputs, fp32 accumulation, the same ViT-S workload as the CPU benchmarks (6 heads × 64, batch 1, slope 1).
 * One op = one launch and a device synchronise. Without a CUDA device the setup fails (JMH reports the benchmark
 * as failed); {@code ./vit bench} includes this class only when {@link CudaAttention#available()}.
 * {@code gpu-check/} is the side-by-side comparison with PyTorch's kernels on a GPU machine.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class CudaAttentionBench {
    @Param({"261", "1374", "5476"})
    public int n;

    @Param({"none", "alibi"})
    public String bias;

    CudaAttention cuda;
    CudaAttention.DeviceBuffers buffers;
    final CudaAttention.Kernel kern = CudaAttention.Kernel.BF16_PAIRED;
    CudaAttention.Grid grid;
    Workload w;

    @Setup
    public void setup() {
        if (!CudaAttention.available())
            throw new IllegalStateException("no CUDA device: " + CudaAttention.unavailableReason());
        w = Workload.of(n, 1);
        grid = new CudaAttention.Grid(w.gridSide(), w.gridSide(), w.prefix(), true, false, true);
        cuda = new CudaAttention();
        long count = (long) w.heads() * n * w.headDim();
        buffers = new CudaAttention.DeviceBuffers(count * 2, w.heads());
        int width = w.heads() * w.headDim();
        CUdeviceptr[] to = {buffers.q, buffers.k, buffers.v};
        for (int part = 0; part < 3; part++) // q, k, v side by side in each token's row
        cuMemcpyHtoD(
                    to[part],
                    Pointer.to(CudaAttention.bf16(
                            AcceleratedAttention.headMajor(new Strided(w.qkv(), part * width, 3 * width), w.shape()))),
                    count * 2);
        float[] slopes = w.alibi().slopes();
        cuMemcpyHtoD(buffers.slopes, Pointer.to(slopes), (long) slopes.length * Sizeof.FLOAT);
    }

    @Benchmark
    public void cuda() {
        cuda.launch(
                kern,
                buffers.q,
                buffers.k,
                buffers.v,
                buffers.out,
                bias.equals("alibi") ? buffers.slopes : null,
                1,
                w.heads(),
                n,
                grid);
        cuCtxSynchronize();
    }

    /** The floor under {@link #cuda()}: a device synchronise with nothing queued. */
    @Benchmark
    public void baseline() {
        cuCtxSynchronize();
    }

    @TearDown
    public void tearDown() {
        if (buffers != null) buffers.close();
        if (cuda != null) cuda.close();
    }
}
