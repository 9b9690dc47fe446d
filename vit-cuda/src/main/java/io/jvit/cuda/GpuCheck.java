package io.jvit.cuda;

import static jcuda.driver.JCudaDriver.cuCtxSynchronize;
import static jcuda.driver.JCudaDriver.cuMemcpyDtoH;
import static jcuda.driver.JCudaDriver.cuMemcpyHtoD;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.SplittableRandom;
import jcuda.Pointer;
import jcuda.Sizeof;

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
        java.util.Set<CudaAttention.Kernel> only;
        try {
            only = selected(System.getenv("GPU_CHECK_KERNELS"));
        } catch (IllegalArgumentException e) {
            System.out.println(e.getMessage());
            System.exit(2);
            return;
        }
        Files.createDirectories(out);
        if (!CudaAttention.available()) {
            System.out.println("CUDA unavailable: " + CudaAttention.unavailableReason());
            System.exit(3);
        }
        // A kernel that crashes (and takes the CUDA context with it) stops the run but cannot lose the results so far,
        // which are written out whatever happens.
        java.util.Map<Integer, List<Run>> runs = new java.util.LinkedHashMap<>();
        java.util.Map<Integer, Double> fp32Error = new java.util.HashMap<>();
        String device = "?", crash = null;
        try (CudaAttention cuda = new CudaAttention()) {
            device = cuda.deviceName();
            for (int[] size : SIZES) {
                try {
                    measure(
                            cuda,
                            size[0],
                            size[1],
                            size[2],
                            batch,
                            new ArrayList<>(only),
                            true,
                            out,
                            runs.computeIfAbsent(size[0], x -> new ArrayList<>()),
                            fp32Error);
                } catch (RuntimeException e) { // a launch or copy failed: the context is gone
                    crash = "N = " + size[0] + ": " + e;
                    System.out.println("STOPPED: " + crash);
                    break;
                }
            }
        } catch (RuntimeException e) { // closing a context a crash left broken
            if (crash == null) crash = e.toString();
        }
        Files.writeString(out.resolve("java.json"), json(device, batch, crash, runs, fp32Error));
        boolean failed = crash != null
                || runs.entrySet().stream()
                        .anyMatch(e -> !(fp32Error.getOrDefault(e.getKey(), 0.0) <= TOLERANCE)
                                || e.getValue().stream().anyMatch(run -> !(run.err <= TOLERANCE)));
        if (failed) System.exit(1);
    }

    /** What gpu_check.py reads: device, batch, crash (or null), per N the fp32 check and every kernel's run. */
    static String json(
            String device,
            int batch,
            String crash,
            java.util.Map<Integer, List<Run>> runs,
            java.util.Map<Integer, Double> fp32Error) {
        StringBuilder json = new StringBuilder(String.format(
                Locale.ROOT,
                "{\n  \"device\": \"%s\",\n  \"batch\": %d,\n  \"crash\": %s,\n  \"results\": [\n",
                device,
                batch,
                crash == null
                        ? "null"
                        : "\"" + crash.replace("\\", "/").replace("\"", "'").replace('\n', ' ') + "\""));
        int written = 0;
        for (var entry : runs.entrySet()) {
            int n = entry.getKey();
            double flops = 4.0 * batch * H * (double) n * n * D;
            Double err = fp32Error.get(n);
            StringBuilder kernels = new StringBuilder();
            for (Run run : entry.getValue()) {
                if (kernels.length() > 0) kernels.append(", ");
                kernels.append(String.format(
                        Locale.ROOT,
                        "{\"kernel\": \"%s\", \"alibi\": %b, \"ms\": %s, \"max_rel_err\": %s, \"registers\": %d, \"local_bytes\": %d, \"ctas_per_sm\": %d}",
                        run.kernel,
                        run.biased,
                        number(run.ms),
                        number(run.err),
                        run.use.registers(),
                        run.use.localBytes(),
                        run.use.ctasPerSm()));
            }
            json.append(String.format(
                    Locale.ROOT,
                    "    {\"n\": %d, \"max_rel_err\": %s, \"flops\": %.6e, \"kernels\": [%s]}%s\n",
                    n,
                    err == null ? "null" : number(err),
                    flops,
                    kernels,
                    ++written < runs.size() ? "," : ""));
        }
        return json.append("  ]\n}\n").toString();
    }

    /**
     * The kernels to check and time: all of the shipped ones, or those named in {@code spec} (comma-separated
     * {@link CudaAttention.Kernel} names, from the environment variable GPU_CHECK_KERNELS), so that a rerun on a short
     * GPU lease can time just one. The versions that do not ship (vit-cuda/dev/) are checked and timed by the dev
     * check there; naming one here fails with a pointer to it.
     */
    static java.util.Set<CudaAttention.Kernel> selected(String spec) {
        if (spec == null || spec.isBlank()) return java.util.EnumSet.allOf(CudaAttention.Kernel.class);
        java.util.Set<CudaAttention.Kernel> set = java.util.EnumSet.noneOf(CudaAttention.Kernel.class);
        for (String name : spec.split(",")) {
            try {
                set.add(CudaAttention.Kernel.valueOf(name.trim()));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(
                        "GPU_CHECK_KERNELS: unknown kernel '" + name.trim() + "'; the shipped kernels are "
                                + java.util.Arrays.toString(CudaAttention.Kernel.values())
                                + " (the other versions are in vit-cuda/dev/, checked and timed by its DevKernelsTest: see vit-cuda/dev/README.md)");
            }
        }
        return set;
    }

    /** A JSON number, or null for NaN and infinities (which JSON has no words for). */
    private static String number(double x) {
        return Double.isFinite(x) ? String.format(Locale.ROOT, "%.4e", x) : "null";
    }

    /**
     * Checks, then times, {@code kernels} at one N on bf16 inputs (what FlashAttention is timed with), appending to
     * {@code runs}; with {@code fp32Check}, first the fp32-input {@link CudaAttention#forward} path (and, at N = 261,
     * writes the inputs and its output for the PyTorch cross-check). Prints a line per kernel as it goes.
     */
    static void measure(
            CudaAttention cuda,
            int n,
            int side,
            int prefix,
            int batch,
            List<CudaAttention.Kernel> kernels,
            boolean fp32Check,
            Path out,
            List<Run> runs,
            java.util.Map<Integer, Double> fp32Error)
            throws IOException {
        CudaAttention.Grid grid = new CudaAttention.Grid(side, side, prefix, true, false, true);
        int count = batch * H * n * D;
        Random r = new Random(n); // which rows the checks sample
        SplittableRandom data =
                new SplittableRandom(n); // ziggurat Gaussians: 1.8 s instead of Random's 13.5 s at N = 5476
        float[] q = new float[count], k = new float[count], v = new float[count];
        for (int i = 0; i < count; i++) {
            q[i] = (float) data.nextGaussian();
            k[i] = (float) data.nextGaussian();
            v[i] = (float) data.nextGaussian();
        }
        float[] slopes = {1f, 1f, 1f, 1f, 1f, 1f}, zero = new float[H];
        double flops = 4.0 * batch * H * (double) n * n * D;
        if (fp32Check) {
            float[] o = new float[count];
            cuda.forward(q, k, v, o, batch, H, n, slopes, grid); // fp32 in, bf16 tensor-core math
            double err = maxRelError(q, k, v, o, batch, n, slopes, grid, r);
            fp32Error.put(n, err);
            System.out.printf(
                    Locale.ROOT,
                    "N=%5d  fp32-in forward() check max rel err %.2e%s%n",
                    n,
                    err,
                    err > TOLERANCE ? "  FAILED" : "");
            if (n == 261) {
                write(out.resolve("q261.f32"), q);
                write(out.resolve("k261.f32"), k);
                write(out.resolve("v261.f32"), v);
                write(out.resolve("o261.f32"), o);
            }
        }
        long bytes16 = (long) count * 2;
        try (CudaAttention.DeviceBuffers d16 = new CudaAttention.DeviceBuffers(bytes16, H);
                CudaAttention.DeviceBuffers d32 = new CudaAttention.DeviceBuffers((long) count * Sizeof.FLOAT, H)) {
            cuMemcpyHtoD(d16.q, Pointer.to(CudaAttention.bf16(q)), bytes16);
            cuMemcpyHtoD(d16.k, Pointer.to(CudaAttention.bf16(k)), bytes16);
            cuMemcpyHtoD(d16.v, Pointer.to(CudaAttention.bf16(v)), bytes16);
            cuMemcpyHtoD(d16.slopes, Pointer.to(slopes), (long) H * Sizeof.FLOAT);
            cuMemcpyHtoD(d32.q, Pointer.to(q), (long) count * 4);
            cuMemcpyHtoD(d32.k, Pointer.to(k), (long) count * 4);
            cuMemcpyHtoD(d32.v, Pointer.to(v), (long) count * 4);
            cuMemcpyHtoD(d32.slopes, Pointer.to(slopes), (long) H * Sizeof.FLOAT);
            int reps = n > 3000 ? 5 : 20;
            for (CudaAttention.Kernel kern : kernels) {
                boolean f32 = kern == CudaAttention.Kernel.F32;
                CudaAttention.DeviceBuffers d = f32 ? d32 : d16;
                for (boolean biased : new boolean[] {true, false}) {
                    if (!biased && !NO_BIAS_TIMED.contains(kern)) continue;
                    System.out.printf(Locale.ROOT, "N=%5d  %-20s %-7s ", n, kern, biased ? "ALiBi" : "no bias");
                    System.out.flush(); // a crash still shows which kernel it was
                    Runnable launch =
                            () -> cuda.launch(kern, d.q, d.k, d.v, d.out, biased ? d.slopes : null, batch, H, n, grid);
                    launch.run();
                    cuCtxSynchronize();
                    double e = outputError(d, count, !f32, q, k, v, batch, n, biased ? slopes : zero, grid);
                    double ms = cuda.time(launch, 3, reps);
                    CudaAttention.Footprint use = cuda.footprint(kern, 0);
                    runs.add(new Run(kern.name(), biased, ms, e, use));
                    System.out.printf(
                            Locale.ROOT,
                            "%9.3f ms %6.0f TFLOP/s  max rel err %.2e%s  (%d registers, %d B local, %d CTAs/SM)%n",
                            ms,
                            flops / ms / 1e9,
                            e,
                            e > TOLERANCE ? "  FAILED" : "",
                            use.registers(),
                            use.localBytes(),
                            use.ctasPerSm());
                }
            }
        }
    }

    /** One kernel's check, timing and footprint at one N. */
    record Run(String kernel, boolean biased, double ms, double err, CudaAttention.Footprint use) {}

    /** Largest error (relative to the largest reference value) a kernel may show: bf16 P and inputs. */
    static final double TOLERANCE = 2e-2;

    /** Kernels also timed without bias (the rest only with ALiBi). */
    static final java.util.Set<CudaAttention.Kernel> NO_BIAS_TIMED =
            java.util.EnumSet.of(CudaAttention.Kernel.BF16_PAIRED);

    /** Error of the output now in {@code d.out} (bf16 or fp32). */
    static double outputError(
            CudaAttention.DeviceBuffers d,
            int count,
            boolean bf16,
            float[] q,
            float[] k,
            float[] v,
            int batch,
            int n,
            float[] slopes,
            CudaAttention.Grid grid) {
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
    static double maxRelError(
            float[] q,
            float[] k,
            float[] v,
            float[] o,
            int batch,
            int n,
            float[] slopes,
            CudaAttention.Grid g,
            Random r) {
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
    static double[] referenceRow(
            float[] q, float[] k, float[] v, int batch, int n, int b, int h, int i, float slope, CudaAttention.Grid g) {
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
    static double round(float x) {
        return Float.intBitsToFloat(CudaAttention.bf16Bits(x) << 16);
    }

    static void write(Path p, float[] a) throws IOException {
        ByteBuffer bb = ByteBuffer.allocate(a.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        bb.asFloatBuffer().put(a);
        Files.write(p, bb.array());
    }
}
