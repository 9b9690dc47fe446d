package io.jvit.cuda;

import jcuda.Pointer;
import jcuda.Sizeof;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;

import static jcuda.driver.JCudaDriver.cuCtxSynchronize;
import static jcuda.driver.JCudaDriver.cuMemcpyDtoH;
import static jcuda.driver.JCudaDriver.cuMemcpyHtoD;

/**
 * The GPU check (run by {@code gpu-check/run.sh} on a machine with a GPU and PyTorch but no Java build):
 * first checks the kernel against a CPU reference in this file (double precision, on the same
 * bf16-rounded inputs the kernel sees, at sampled query rows of every batch size), then times it with
 * CUDA events. Writes {@code OUT/java.json} and, for N = 261, the inputs and our output as raw
 * little-endian float32 for the PyTorch cross-check. Needs nothing but JCuda and this class.
 *
 * <pre>usage: GpuCheck OUT_DIR [batch]</pre>
 */
public final class GpuCheck {
    private static final int H = 6, D = CudaAttention.HEAD_DIM;

    /** N, grid side, prefix: ViT-S/14 at 224² (CLS + 4 registers), 518² and 1036² (no prefix). */
    private static final int[][] SIZES = {{261, 16, 5}, {1374, 37, 5}, {5476, 74, 0}};

    public static void main(String[] args) throws IOException {
        Path out = Path.of(args.length > 0 ? args[0] : ".");
        int batch = args.length > 1 ? Integer.parseInt(args[1]) : 64;
        Files.createDirectories(out);
        if (!CudaAttention.available()) {
            System.out.println("CUDA unavailable: " + CudaAttention.unavailableReason());
            System.exit(3);
        }
        StringBuilder json = new StringBuilder("{\n");
        boolean failed = false;
        try (CudaAttention cuda = new CudaAttention()) {
            json.append(String.format(Locale.ROOT, "  \"device\": \"%s\",\n  \"batch\": %d,\n  \"results\": [\n", cuda.deviceName(), batch));
            for (int si = 0; si < SIZES.length; si++) {
                int n = SIZES[si][0], side = SIZES[si][1], prefix = SIZES[si][2];
                CudaAttention.Grid grid = new CudaAttention.Grid(side, side, prefix, true, false, true);
                int count = batch * H * n * D;
                Random r = new Random(n);
                float[] q = new float[count], k = new float[count], v = new float[count];
                for (int i = 0; i < count; i++) { q[i] = (float) r.nextGaussian(); k[i] = (float) r.nextGaussian(); v[i] = (float) r.nextGaussian(); }
                float[] slopes = {1f, 1f, 1f, 1f, 1f, 1f};
                float[] o = new float[count];
                cuda.forward(q, k, v, o, batch, H, n, slopes, grid);    // fp32 in, bf16 tensor-core math
                double err = maxRelError(q, k, v, o, batch, n, slopes, grid, r);
                if (n == 261) {
                    write(out.resolve("q261.f32"), q); write(out.resolve("k261.f32"), k);
                    write(out.resolve("v261.f32"), v); write(out.resolve("o261.f32"), o);
                }
                // every kernel on device buffers with bf16 inputs (what FlashAttention is timed with): checked, then timed
                List<Run> runs = new ArrayList<>();
                long bytes16 = (long) count * 2;
                float[] zero = new float[H];
                try (CudaAttention.DeviceBuffers d16 = new CudaAttention.DeviceBuffers(bytes16, H);
                     CudaAttention.DeviceBuffers d32 = new CudaAttention.DeviceBuffers((long) count * Sizeof.FLOAT, H)) {
                    cuMemcpyHtoD(d16.q, Pointer.to(bf16(q)), bytes16);
                    cuMemcpyHtoD(d16.k, Pointer.to(bf16(k)), bytes16);
                    cuMemcpyHtoD(d16.v, Pointer.to(bf16(v)), bytes16);
                    cuMemcpyHtoD(d16.slopes, Pointer.to(slopes), (long) H * Sizeof.FLOAT);
                    cuMemcpyHtoD(d32.q, Pointer.to(q), (long) count * 4);
                    cuMemcpyHtoD(d32.k, Pointer.to(k), (long) count * 4);
                    cuMemcpyHtoD(d32.v, Pointer.to(v), (long) count * 4);
                    cuMemcpyHtoD(d32.slopes, Pointer.to(slopes), (long) H * Sizeof.FLOAT);
                    int reps = n > 3000 ? 5 : 20;
                    AlibiTable table = AlibiTable.of(grid, slopes);
                    for (CudaAttention.Kernel kern : CudaAttention.Kernel.values()) {
                        boolean f32 = kern == CudaAttention.Kernel.F32;
                        CudaAttention.DeviceBuffers d = f32 ? d32 : d16;
                        for (boolean biased : new boolean[]{true, false}) {
                            if (!biased && !NO_BIAS_TIMED.contains(kern)) continue;
                            if (kern.window() && biased && !cuda.fits(kern, table)) {
                                System.out.printf(Locale.ROOT, "N=%5d  %s: the window does not fit shared memory, skipped%n", n, kern);
                                continue;
                            }
                            try (CudaAttention.DeviceTable dt = kern.window() && biased ? new CudaAttention.DeviceTable(table, kern) : null) {
                                Runnable launch = () -> cuda.launch(kern, d.q, d.k, d.v, d.out, biased ? d.slopes : null, batch, H, n, grid, dt);
                                launch.run();
                                cuCtxSynchronize();
                                double e = f32 ? outputError(d, count, false, q, k, v, batch, n, biased ? slopes : zero, grid)
                                        : outputError(d, count, true, q, k, v, batch, n, biased ? slopes : zero, grid);
                                double ms = cuda.time(launch, 3, reps);
                                runs.add(new Run(kern.name(), biased, ms, e));
                            }
                        }
                    }
                }
                double flops = 4.0 * batch * H * (double) n * n * D;
                StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "N=%5d  fp32-in forward() check max rel err %.2e%n", n, err));
                StringBuilder kernels = new StringBuilder();
                for (Run run : runs) {
                    line.append(String.format(Locale.ROOT, "         %-20s %-7s %9.3f ms %6.0f TFLOP/s  max rel err %.2e%s%n", run.kernel, run.biased ? "ALiBi" : "no bias",
                            run.ms, flops / run.ms / 1e9, run.err, run.err > TOLERANCE ? "  FAILED" : ""));
                    if (kernels.length() > 0) kernels.append(", ");
                    kernels.append(String.format(Locale.ROOT, "{\"kernel\": \"%s\", \"alibi\": %b, \"ms\": %.4f, \"max_rel_err\": %.3e}", run.kernel, run.biased, run.ms, run.err));
                    if (run.err > TOLERANCE) failed = true;
                }
                System.out.print(line);
                json.append(String.format(Locale.ROOT, "    {\"n\": %d, \"max_rel_err\": %.3e, \"flops\": %.6e, \"kernels\": [%s]}%s\n",
                        n, err, flops, kernels, si + 1 < SIZES.length ? "," : ""));
                if (err > TOLERANCE) failed = true;
            }
        }
        json.append("  ]\n}\n");
        Files.writeString(out.resolve("java.json"), json);
        if (failed) System.exit(1);
    }

    /** One kernel's check and timing at one N. */
    record Run(String kernel, boolean biased, double ms, double err) {}

    /** Largest error (relative to the largest reference value) a kernel may show: bf16 P and inputs. */
    static final double TOLERANCE = 2e-2;

    /** Kernels also timed without bias (the rest only with ALiBi). */
    static final java.util.Set<CudaAttention.Kernel> NO_BIAS_TIMED = java.util.EnumSet.of(
            CudaAttention.Kernel.BF16_PIPELINED, CudaAttention.Kernel.BF16_WIDE, CudaAttention.Kernel.BF16_PAIRED,
            CudaAttention.Kernel.BF16_WINDOW, CudaAttention.Kernel.BF16_WINDOW_NARROW);

    /** Error of the output now in {@code d.out} (bf16 or fp32). */
    static double outputError(CudaAttention.DeviceBuffers d, int count, boolean bf16, float[] q, float[] k, float[] v, int batch, int n, float[] slopes, CudaAttention.Grid grid) {
        float[] o = new float[count];
        if (bf16) {
            short[] o16 = new short[count];
            cuMemcpyDtoH(Pointer.to(o16), d.out, (long) count * 2);
            for (int i = 0; i < count; i++) o[i] = Float.intBitsToFloat((o16[i] & 0xFFFF) << 16);
        } else {
            cuMemcpyDtoH(Pointer.to(o), d.out, (long) count * 4);
        }
        return maxRelError(q, k, v, o, batch, n, slopes, grid, new Random(n + 1));
    }

    /** Max |gpu − ref| / max |ref| over 48 sampled query rows (every batch size, head and position kind). */
    static double maxRelError(float[] q, float[] k, float[] v, float[] o, int batch, int n, float[] slopes, CudaAttention.Grid g, Random r) {
        double worst = 0, maxRef = 0, maxDiff = 0;
        int[] rows = new int[48];
        for (int i = 0; i < rows.length; i++) rows[i] = i < 4 ? Math.min(i, n - 1) : i == 4 ? n - 1 : r.nextInt(n);
        for (int s = 0; s < rows.length; s++) {
            int b = r.nextInt(batch), h = r.nextInt(H), i = rows[s];
            double[] ref = referenceRow(q, k, v, batch, n, b, h, i, slopes[h], g);
            int base = ((b * H + h) * n + i) * D;
            for (int c = 0; c < D; c++) {
                maxRef = Math.max(maxRef, Math.abs(ref[c]));
                maxDiff = Math.max(maxDiff, Math.abs(ref[c] - o[base + c]));
            }
        }
        return maxDiff / maxRef;
    }

    /** The CPU reference for one query row, in double, on bf16-rounded inputs (as the kernel stages them). */
    static double[] referenceRow(float[] q, float[] k, float[] v, int batch, int n, int b, int h, int i, float slope, CudaAttention.Grid g) {
        int base = (b * H + h) * n * D;
        double[] logit = new double[n];
        double max = Double.NEGATIVE_INFINITY, scale = 1 / Math.sqrt(D);
        for (int j = 0; j < n; j++) {
            double dot = 0;
            for (int c = 0; c < D; c++) dot += round(q[base + i * D + c]) * round(k[base + j * D + c]);
            logit[j] = dot * scale + slope * m(i, j, g);
            max = Math.max(max, logit[j]);
        }
        double sum = 0;
        for (int j = 0; j < n; j++) sum += logit[j] = Math.exp(logit[j] - max);
        double[] out = new double[D];
        for (int j = 0; j < n; j++) for (int c = 0; c < D; c++) out[c] += logit[j] / sum * round(v[base + j * D + c]);
        return out;
    }

    /** M(i, j): −wrapped Euclidean distance / max, 0 for prefix tokens (written out again, independently of the kernel). */
    static double m(int i, int j, CudaAttention.Grid g) {
        if (i < g.prefix() || j < g.prefix()) return 0;
        int a = i - g.prefix(), b = j - g.prefix();
        int dy = Math.abs(a / g.gridW() - b / g.gridW()), dx = Math.abs(a % g.gridW() - b % g.gridW());
        dy = Math.min(dy, g.gridH() - dy);
        dx = Math.min(dx, g.gridW() - dx);
        double max = Math.hypot(g.gridH() / 2, g.gridW() / 2);
        return -Math.hypot(dy, dx) / max;
    }

    /** Round to bfloat16 (nearest even) and back. */
    static double round(float x) { return Float.intBitsToFloat(bf16Bits(x) << 16); }

    static int bf16Bits(float x) {
        int bits = Float.floatToRawIntBits(x);
        return (bits + 0x7FFF + ((bits >>> 16) & 1)) >>> 16;
    }

    static short[] bf16(float[] a) {
        short[] s = new short[a.length];
        for (int i = 0; i < a.length; i++) s[i] = (short) bf16Bits(a[i]);
        return s;
    }

    static void write(Path p, float[] a) throws IOException {
        ByteBuffer bb = ByteBuffer.allocate(a.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        bb.asFloatBuffer().put(a);
        Files.write(p, bb.array());
    }
}
