package io.jvit.cuda;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.jvit.core.kernel.AttentionBias;
import io.jvit.core.kernel.AttentionShape;
import io.jvit.core.kernel.NaiveAttention;
import io.jvit.core.kernel.Strided;
import io.jvit.core.pe.Alibi2d;
import java.util.Random;
import org.junit.jupiter.api.Test;

class CudaAttentionTest {

    @Test
    void theProbeNeverThrowsAndExplainsItself() {
        boolean ok = CudaAttention.available(); // on a machine without CUDA: false, no exception
        assertThat(CudaAttention.available()).isEqualTo(ok); // cached
        if (!ok) assertThat(CudaAttention.unavailableReason()).isNotBlank();
    }

    /** The shipped module holds the measured winners and nothing else (the other versions are in vit-cuda/dev/). */
    @Test
    void ptxIsShippedAsAResource() {
        String ptx = new String(CudaAttention.ptx(), java.nio.charset.StandardCharsets.US_ASCII);
        for (CudaAttention.Kernel k : CudaAttention.Kernel.values())
            assertThat(ptx).as(k.name()).contains(".entry " + k.entry + "(");
        assertThat(ptx.split("\\.entry ", -1)).as("entry points").hasSize(CudaAttention.Kernel.values().length + 1);
        assertThat(ptx)
                .contains("mma.sync.aligned.m16n8k16")
                .contains("ldmatrix.sync.aligned.m8n8.x2.trans")
                .contains("cp.async");
    }

    /** The fatbin loaded first: its header magic (0xBA55ED50, little-endian) and every kernel in its sm_90 code. */
    @Test
    void theFatbinIsShippedWithEveryKernel() {
        byte[] fatbin = CudaAttention.resource(CudaAttention.FATBIN);
        assertThat(java.nio.ByteBuffer.wrap(fatbin)
                        .order(java.nio.ByteOrder.LITTLE_ENDIAN)
                        .getInt(0))
                .isEqualTo(0xBA55ED50);
        String text = new String(fatbin, java.nio.charset.StandardCharsets.ISO_8859_1);
        for (CudaAttention.Kernel k : CudaAttention.Kernel.values())
            assertThat(text).as(k.name()).contains(k.entry + "\0");
    }

    /** With or without a GPU, the accelerated entry point gives the reference's answer (bf16 tolerance on the GPU). */
    @Test
    void acceleratedAttentionEqualsTheReferenceOnWhicheverBackend() {
        int side = 9, prefix = 5, n = prefix + side * side, heads = 2, d = 64, width = heads * d;
        AttentionShape s = new AttentionShape(2, n, heads, d);
        Random r = new Random(3);
        float[] x = new float[2 * n * 3 * width];
        for (int i = 0; i < x.length; i++) x[i] = (float) GpuCheck.round((float) r.nextGaussian()); // bf16-exact inputs
        Strided q = new Strided(x, 0, 3 * width),
                k = new Strided(x, width, 3 * width),
                v = new Strided(x, 2 * width, 3 * width);
        var bias = AttentionBias.Alibi.of(Alibi2d.paperDefault(), side, side, prefix, new float[] {1f, 0.5f});
        float[] ref = new float[2 * n * width], got = new float[ref.length];
        NaiveAttention.forward(q, k, v, Strided.of(ref, width), s, bias);
        AcceleratedAttention.forward(
                q,
                k,
                v,
                Strided.of(got, width),
                s,
                bias,
                new CudaAttention.Grid(side, side, prefix, true, false, true),
                1);
        double maxRef = 0, maxDiff = 0;
        for (int i = 0; i < ref.length; i++) {
            maxRef = Math.max(maxRef, Math.abs(ref[i]));
            maxDiff = Math.max(maxDiff, Math.abs(ref[i] - got[i]));
        }
        double tol = AcceleratedAttention.lastBackend.equals("cuda") ? 1e-2 : 1e-5; // P is rounded to bf16 on the GPU
        assertThat(maxDiff / maxRef).as(AcceleratedAttention.lastBackend).isLessThan(tol);
    }

    @Test
    void gpuKernelEqualsTheCpuReferenceWithAndWithoutBias() {
        assumeTrue(CudaAttention.available(), "no CUDA device: " + CudaAttention.unavailableReason());
        int side = 16, prefix = 5, n = 261, batch = 3;
        CudaAttention.Grid g = new CudaAttention.Grid(side, side, prefix, true, false, true);
        int count = batch * 6 * n * 64;
        Random r = new Random(1);
        float[] q = new float[count], k = new float[count], v = new float[count], o = new float[count];
        for (int i = 0; i < count; i++) {
            q[i] = (float) r.nextGaussian();
            k[i] = (float) r.nextGaussian();
            v[i] = (float) r.nextGaussian();
        }
        float[] slopes = {1, 1, 1, 1, 1, 1};
        try (CudaAttention cuda = new CudaAttention()) {
            cuda.forward(q, k, v, o, batch, 6, n, slopes, g);
            assertThat(GpuCheck.maxRelError(q, k, v, o, batch, n, slopes, g, new Random(2)))
                    .isLessThan(1e-2);
            float[] zero = new float[6];
            cuda.forward(q, k, v, o, batch, 6, n, zero, g);
            assertThat(GpuCheck.maxRelError(q, k, v, o, batch, n, zero, g, new Random(2)))
                    .isLessThan(1e-2);
        }
    }
}
