package io.jvit.cuda;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.Locale;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The dev check: every bf16 version in the dev module against the CPU reference ({@link GpuCheck#maxRelError}, on
 * the same bf16-rounded inputs), with and without bias, then timed. Needs a CUDA device and the dev module
 * ({@code target/alibi_attention_dev.ptx}, built by the nvcc profile); skips without either. On a GPU machine:
 * {@code mvn -o -B test -pl vit-cuda -am -Dtest=DevKernelsTest -Dsurefire.failIfNoSpecifiedTests=false}.
 */
class DevKernelsTest {

    @Test
    void everyVersionHasOneEntryInTheDevModule() throws Exception {
        assumeTrue(DevAttention.built(), "dev module not built (no nvcc): " + DevAttention.PTX);
        String ptx = java.nio.file.Files.readString(DevAttention.PTX, java.nio.charset.StandardCharsets.US_ASCII);
        for (DevAttention.Kernel k : DevAttention.Kernel.values()) assertThat(ptx).as(k.name()).contains(".entry " + k.entry + "(");
    }

    /**
     * N = 1374 (22 key tiles), 261 (5: an odd count, for v7's two steps per trip) and 54 (one tile, below one CTA of
     * queries); the window kernels with their table and without (computed bias, as v5).
     */
    @ParameterizedTest(name = "grid {0}x{0} + 5")
    @ValueSource(ints = {37, 16, 7})
    void everyBf16VersionEqualsTheCpuReference(int side) throws Exception {
        assumeTrue(DevAttention.built(), "dev module not built (no nvcc): " + DevAttention.PTX);
        assumeTrue(CudaAttention.available(), "no CUDA device: " + CudaAttention.unavailableReason());
        int prefix = 5, n = prefix + side * side, batch = 2, count = batch * 6 * n * 64;
        CudaAttention.Grid g = new CudaAttention.Grid(side, side, prefix, true, false, true);
        Random r = new Random(4);
        float[] q = new float[count], k = new float[count], v = new float[count];
        for (int i = 0; i < count; i++) { q[i] = (float) r.nextGaussian(); k[i] = (float) r.nextGaussian(); v[i] = (float) r.nextGaussian(); }
        float[] slopes = {1f, 0.5f, 0.25f, 0.125f, 0.0625f, 0.03125f};
        try (DevAttention dev = new DevAttention();
             CudaAttention.DeviceBuffers d = new CudaAttention.DeviceBuffers((long) count * 2, 6)) {
            jcuda.driver.JCudaDriver.cuMemcpyHtoD(d.q, jcuda.Pointer.to(CudaAttention.bf16(q)), (long) count * 2);
            jcuda.driver.JCudaDriver.cuMemcpyHtoD(d.k, jcuda.Pointer.to(CudaAttention.bf16(k)), (long) count * 2);
            jcuda.driver.JCudaDriver.cuMemcpyHtoD(d.v, jcuda.Pointer.to(CudaAttention.bf16(v)), (long) count * 2);
            jcuda.driver.JCudaDriver.cuMemcpyHtoD(d.slopes, jcuda.Pointer.to(slopes), 6L * 4);
            for (DevAttention.Kernel kern : DevAttention.Kernel.values()) {
                if (kern == DevAttention.Kernel.F32) continue;                          // fp32 buffers: the shipped test checks it
                try (DevAttention.DeviceTable dt = kern.window() ? new DevAttention.DeviceTable(AlibiTable.of(g, slopes, kern.queriesPerCta), kern) : null) {
                    dev.launch(kern, d.q, d.k, d.v, d.out, d.slopes, batch, 6, n, g, dt);
                    jcuda.driver.JCudaDriver.cuCtxSynchronize();
                    assertThat(GpuCheck.outputError(d, count, true, q, k, v, batch, n, slopes, g)).as(kern.name()).isLessThan(1e-2);
                }
                dev.launch(kern, d.q, d.k, d.v, d.out, null, batch, 6, n, g, null);
                jcuda.driver.JCudaDriver.cuCtxSynchronize();
                assertThat(GpuCheck.outputError(d, count, true, q, k, v, batch, n, new float[6], g)).as(kern.name() + " no bias").isLessThan(1e-2);
            }
        }
    }

    /** Times every bf16 version with ALiBi at N = 5476 (74 × 74, batch 64, 6 heads), as the index table's column. */
    @Test
    void timeEveryBf16Version() throws Exception {
        assumeTrue(DevAttention.built(), "dev module not built (no nvcc): " + DevAttention.PTX);
        assumeTrue(CudaAttention.available(), "no CUDA device: " + CudaAttention.unavailableReason());
        int side = 74, n = side * side, batch = 64, count = batch * 6 * n * 64;
        CudaAttention.Grid g = new CudaAttention.Grid(side, side, 0, true, false, true);
        java.util.SplittableRandom r = new java.util.SplittableRandom(n);
        short[] x = new short[count];
        float[] slopes = {1, 1, 1, 1, 1, 1};
        try (DevAttention dev = new DevAttention();
             CudaAttention.DeviceBuffers d = new CudaAttention.DeviceBuffers((long) count * 2, 6)) {
            for (jcuda.driver.CUdeviceptr p : new jcuda.driver.CUdeviceptr[]{d.q, d.k, d.v}) {
                for (int i = 0; i < count; i++) x[i] = (short) CudaAttention.bf16Bits((float) r.nextGaussian());
                jcuda.driver.JCudaDriver.cuMemcpyHtoD(p, jcuda.Pointer.to(x), (long) count * 2);
            }
            jcuda.driver.JCudaDriver.cuMemcpyHtoD(d.slopes, jcuda.Pointer.to(slopes), 6L * 4);
            for (DevAttention.Kernel kern : DevAttention.Kernel.values()) {
                if (kern == DevAttention.Kernel.F32) continue;
                AlibiTable table = AlibiTable.of(g, slopes, kern.queriesPerCta);
                if (kern.window() && !dev.fits(kern, table)) { System.out.printf(Locale.ROOT, "%-5s window does not fit shared memory%n", kern); continue; }
                try (DevAttention.DeviceTable dt = kern.window() ? new DevAttention.DeviceTable(table, kern) : null) {
                    double ms = dev.cuda.time(() -> dev.launch(kern, d.q, d.k, d.v, d.out, d.slopes, batch, 6, n, g, dt), 2, 5);
                    CudaAttention.Footprint use = dev.footprint(kern, dt == null ? 0 : dt.windowBytes());
                    System.out.printf(Locale.ROOT, "%-5s %-26s %8.3f ms  %3d registers  %3d B local  %d CTAs/SM%n",
                            kern, kern.entry, ms, use.registers(), use.localBytes(), use.ctasPerSm());
                }
            }
        }
    }
}
