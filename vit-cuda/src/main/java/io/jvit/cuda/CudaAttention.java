package io.jvit.cuda;

import static jcuda.driver.JCudaDriver.*;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import jcuda.Pointer;
import jcuda.Sizeof;
import jcuda.driver.CUcontext;
import jcuda.driver.CUdevice;
import jcuda.driver.CUdevice_attribute;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUevent;
import jcuda.driver.CUfunction;
import jcuda.driver.CUfunction_attribute;
import jcuda.driver.CUmodule;
import jcuda.driver.JCudaDriver;

/**
 * The fused 2D-ALiBi flash-attention kernel on an NVIDIA GPU, through JCuda's driver API. The kernels are
 * compiled at build time from {@code src/main/cuda/alibi_attention.cu} and shipped as resources (a fatbin with sm_90
 * machine code and the compute_80 PTX, and the PTX alone as the fallback);
 * {@link #available()} is one cached probe (driver, device, module load) that never throws.
 *
 * <p>The module holds the measured winners only, one per input type ({@link Kernel}); the other versions, slower on
 * an H200 or never run on a GPU, are in {@code vit-cuda/dev/} with their measurements (not in the jar).
 *
 * <p>Layout (B, H, N, 64) contiguous; fp32 or bf16 inputs (bf16 tensor-core math, fp32 accumulation).
 */
public final class CudaAttention implements AutoCloseable {
    public static final int HEAD_DIM = 64;
    static final String PTX = "/io/jvit/cuda/alibi_attention.ptx";
    /** The same module as a fatbin: sm_90 machine code plus the compute_80 PTX (loaded first; the PTX is the fallback). */
    static final String FATBIN = "/io/jvit/cuda/alibi_attention.fatbin";

    /** The grid and ALiBi variant (as {@code Alibi2d}): metric, wrap, normalisation. */
    public record Grid(int gridH, int gridW, int prefix, boolean wrap, boolean manhattan, boolean normalise) {
        float invMaxDist() {
            int my = wrap ? gridH / 2 : gridH - 1, mx = wrap ? gridW / 2 : gridW - 1;
            double max = manhattan ? my + mx : Math.sqrt((double) my * my + (double) mx * mx);
            return normalise && max > 0 ? (float) (1.0 / max) : 1f;
        }
    }

    private static volatile Boolean available;
    private static String unavailableReason = "not probed";

    /** True when a CUDA device, its driver and our PTX module are usable. Cached; never throws. */
    public static synchronized boolean available() {
        if (available == null) {
            try (CudaAttention c = new CudaAttention()) {
                available = c.functions.size() == Kernel.values().length;
            } catch (Throwable t) { // no libcuda, no device, old driver, …
                unavailableReason = t.getClass().getSimpleName() + ": " + t.getMessage();
                available = false;
            }
        }
        return available;
    }

    /** Why {@link #available()} is false. */
    public static String unavailableReason() {
        return available() ? "" : unavailableReason;
    }

    private final CUcontext context = new CUcontext();
    private final CUmodule module = new CUmodule();
    private final java.util.EnumMap<Kernel, CUfunction> functions = new java.util.EnumMap<>(Kernel.class);
    private final java.util.Map<String, CUfunction> byEntry = new java.util.HashMap<>();
    private final String deviceName;
    private final int sharedOptIn; // most shared memory one CTA may ask for

    /** The shipped module (the fatbin, or its PTX where the driver cannot load the fatbin) on device 0. */
    public CudaAttention() {
        this(null);
    }

    /**
     * {@code image}: another module image to load instead of the shipped one (a PTX, NUL-terminated), which must hold
     * the shipped kernels too: the dev module of {@code vit-cuda/dev/}, which includes the shipped source.
     */
    CudaAttention(byte[] image) {
        JCudaDriver.setExceptionsEnabled(true);
        cuInit(0);
        int[] count = {0};
        cuDeviceGetCount(count);
        if (count[0] == 0) throw new IllegalStateException("no CUDA device");
        CUdevice dev = new CUdevice();
        cuDeviceGet(dev, 0);
        byte[] name = new byte[256];
        cuDeviceGetName(name, name.length, dev);
        deviceName = new String(name, StandardCharsets.US_ASCII).trim().replace("\0", "");
        cuCtxCreate(context, 0, dev);
        if (image != null) {
            cuModuleLoadData(module, image);
        } else {
            try {
                cuModuleLoadData(module, resource(FATBIN)); // sm_90 machine code, or the driver JITs its PTX
            } catch (jcuda.CudaException e) { // e.g. a driver older than the fatbin's format
                cuModuleLoadData(module, ptx());
            }
        }
        for (Kernel k : Kernel.values()) functions.put(k, function(k.entry));
        int[] optIn = {0};
        cuDeviceGetAttribute(optIn, CUdevice_attribute.CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN, dev);
        sharedOptIn = optIn[0];
    }

    public String deviceName() {
        return deviceName;
    }

    static byte[] ptx() {
        return resource(PTX);
    }

    /** A module image from the resources, NUL-terminated (which a PTX image needs and a fatbin ignores). */
    static byte[] resource(String name) {
        try (InputStream in = CudaAttention.class.getResourceAsStream(name)) {
            if (in == null)
                throw new IllegalStateException("missing resource " + name + " (build vit-cuda with nvcc present)");
            byte[] b = in.readAllBytes();
            return java.util.Arrays.copyOf(b, b.length + 1);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + name, e);
        }
    }

    /** out = attention(q, k, v) on the GPU for fp32 arrays (B, H, N, 64); {@code slopes} null for no bias. */
    public void forward(
            float[] q, float[] k, float[] v, float[] out, int batch, int heads, int n, float[] slopes, Grid grid) {
        long count = check(q, k, v, out, batch, heads, n, slopes, grid);
        long bytes = count * Sizeof.FLOAT;
        try (DeviceBuffers d = new DeviceBuffers(bytes, heads)) {
            cuMemcpyHtoD(d.q, Pointer.to(q), bytes);
            cuMemcpyHtoD(d.k, Pointer.to(k), bytes);
            cuMemcpyHtoD(d.v, Pointer.to(v), bytes);
            if (slopes != null) cuMemcpyHtoD(d.slopes, Pointer.to(slopes), (long) heads * Sizeof.FLOAT);
            launch(false, d.q, d.k, d.v, d.out, slopes == null ? null : d.slopes, batch, heads, n, grid);
            cuCtxSynchronize();
            cuMemcpyDtoH(Pointer.to(out), d.out, bytes);
        }
    }

    /**
     * Launches on device buffers (for timing without transfers). {@code bf16}: the buffers hold bfloat16,
     * else fp32. {@code slopes} null (a null pointer) means no bias.
     */
    public void launch(
            boolean bf16,
            CUdeviceptr q,
            CUdeviceptr k,
            CUdeviceptr v,
            CUdeviceptr out,
            CUdeviceptr slopes,
            int batch,
            int heads,
            int n,
            Grid grid) {
        launch(bf16 ? Kernel.BF16_PAIRED : Kernel.F32, q, k, v, out, slopes, batch, heads, n, grid);
    }

    /**
     * The kernels in the shipped module, the measured winners (see {@code vit-cuda/dev/README.md} for every version
     * and its time): {@link #F32}, fp32 inputs and output, the only fp32-input version (what {@link #forward} runs);
     * {@link #BF16_PAIRED}, version v5, bf16 inputs and output with cp.async double buffering and the key coordinates
     * of a thread's key pair in one 16-byte shared load, the fastest measured on an H200 (what
     * {@code launch(true, …)} runs).
     */
    public enum Kernel {
        F32("alibi_attention_f32", 64, 128),
        BF16_PAIRED("alibi_attention_bf16_v5", 64, 128);

        /** The kernel's entry in the PTX module. */
        final String entry;

        private final int queriesPerCta, threads;

        Kernel(String entry, int queriesPerCta, int threads) {
            this.entry = entry;
            this.queriesPerCta = queriesPerCta;
            this.threads = threads;
        }

        /** Consecutive queries per CTA. */
        public int queriesPerCta() {
            return queriesPerCta;
        }

        /** Threads per CTA. */
        int threads() {
            return threads;
        }
    }

    private CUfunction function(Kernel kernel) {
        return functions.get(kernel);
    }

    /** The loaded module's entry point {@code entry} (looked up once). */
    CUfunction function(String entry) {
        return byEntry.computeIfAbsent(entry, e -> {
            CUfunction f = new CUfunction();
            cuModuleGetFunction(f, module, e);
            return f;
        });
    }

    /** The most shared memory one CTA may ask for on this GPU (static and dynamic). */
    int sharedOptIn() {
        return sharedOptIn;
    }

    /**
     * What a kernel takes from an SM as the driver compiled it for this GPU: registers and local (spilled) bytes
     * per thread, static shared bytes per CTA, and how many CTAs fit one SM with {@code dynamicShared} bytes more
     * (the occupancy that limits how well the SM hides latency).
     */
    public record Footprint(int registers, int localBytes, int staticShared, int ctasPerSm) {}

    public Footprint footprint(Kernel kernel, int dynamicShared) {
        return footprint(function(kernel), kernel.threads(), dynamicShared);
    }

    static Footprint footprint(CUfunction f, int threads, int dynamicShared) {
        int[] regs = {0}, local = {0}, shared = {0}, ctas = {0};
        cuFuncGetAttribute(regs, CUfunction_attribute.CU_FUNC_ATTRIBUTE_NUM_REGS, f);
        cuFuncGetAttribute(local, CUfunction_attribute.CU_FUNC_ATTRIBUTE_LOCAL_SIZE_BYTES, f);
        cuFuncGetAttribute(shared, CUfunction_attribute.CU_FUNC_ATTRIBUTE_SHARED_SIZE_BYTES, f);
        if (dynamicShared > 0)
            cuFuncSetAttribute(f, CUfunction_attribute.CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES, dynamicShared);
        cuOccupancyMaxActiveBlocksPerMultiprocessor(ctas, f, threads, dynamicShared);
        return new Footprint(regs[0], local[0], shared[0], ctas[0]);
    }

    public void launch(
            Kernel kernel,
            CUdeviceptr q,
            CUdeviceptr k,
            CUdeviceptr v,
            CUdeviceptr out,
            CUdeviceptr slopes,
            int batch,
            int heads,
            int n,
            Grid grid) {
        Pointer args = Pointer.to(
                Pointer.to(q),
                Pointer.to(k),
                Pointer.to(v),
                Pointer.to(out),
                slopesArg(slopes),
                Pointer.to(new int[] {heads}),
                Pointer.to(params(n, grid)));
        int rowsPerCta = kernel.queriesPerCta();
        cuLaunchKernel(
                function(kernel),
                (n + rowsPerCta - 1) / rowsPerCta,
                batch * heads,
                1,
                kernel.threads(),
                1,
                1,
                0,
                null,
                args,
                null);
    }

    /** The kernels' AlibiParams struct: n, prefix, grid, wrap, manhattan, 1 / max distance, log2(e) / √64. */
    static int[] params(int n, Grid grid) {
        int[] params = new int[8];
        params[0] = n;
        params[1] = grid.prefix();
        params[2] = grid.gridH();
        params[3] = grid.gridW();
        params[4] = grid.wrap() ? 1 : 0;
        params[5] = grid.manhattan() ? 1 : 0;
        params[6] = Float.floatToRawIntBits(grid.invMaxDist());
        params[7] = Float.floatToRawIntBits((float) (1.4426950408889634 / Math.sqrt(HEAD_DIM)));
        return params;
    }

    /** The slopes argument: the device pointer, or a null pointer for no bias. */
    static Pointer slopesArg(CUdeviceptr slopes) {
        return slopes == null ? Pointer.to(new long[] {0}) : Pointer.to(slopes);
    }

    /** bfloat16 bits of x, rounded to nearest even (what the bf16 kernels take). */
    public static int bf16Bits(float x) {
        int bits = Float.floatToRawIntBits(x);
        return (bits + 0x7FFF + ((bits >>> 16) & 1)) >>> 16;
    }

    /** An fp32 array as bfloat16 bits, for upload to the bf16 kernels. */
    public static short[] bf16(float[] a) {
        short[] s = new short[a.length];
        for (int i = 0; i < a.length; i++) s[i] = (short) bf16Bits(a[i]);
        return s;
    }

    /** Milliseconds per launch, from CUDA events around {@code reps} launches after {@code warmup}. */
    public double time(Runnable launch, int warmup, int reps) {
        for (int i = 0; i < warmup; i++) launch.run();
        CUevent a = new CUevent(), b = new CUevent();
        cuEventCreate(a, 0);
        cuEventCreate(b, 0);
        cuEventRecord(a, null);
        for (int i = 0; i < reps; i++) launch.run();
        cuEventRecord(b, null);
        cuEventSynchronize(b);
        float[] ms = {0};
        cuEventElapsedTime(ms, a, b);
        cuEventDestroy(a);
        cuEventDestroy(b);
        return ms[0] / reps;
    }

    private static long check(
            float[] q, float[] k, float[] v, float[] out, int batch, int heads, int n, float[] slopes, Grid grid) {
        if (batch < 1 || heads < 1 || n < 1)
            throw new IllegalArgumentException("sizes must be positive: " + batch + ", " + heads + ", " + n);
        long count = (long) batch * heads * n * HEAD_DIM;
        for (float[] a : new float[][] {q, k, v, out})
            if (a.length != count)
                throw new IllegalArgumentException("arrays must hold B·H·N·64 = " + count + " floats, got " + a.length);
        if (slopes != null && slopes.length != heads)
            throw new IllegalArgumentException(slopes.length + " slopes for " + heads + " heads");
        if (grid.prefix() + grid.gridH() * grid.gridW() != n)
            throw new IllegalArgumentException("grid " + grid.gridH() + "×" + grid.gridW() + " + " + grid.prefix()
                    + " prefix tokens does not match N = " + n);
        return count;
    }

    /** Device memory for one call, freed on close. */
    public static final class DeviceBuffers implements AutoCloseable {
        public final CUdeviceptr q = new CUdeviceptr(),
                k = new CUdeviceptr(),
                v = new CUdeviceptr(),
                out = new CUdeviceptr(),
                slopes = new CUdeviceptr();

        public DeviceBuffers(long bytes, int heads) {
            cuMemAlloc(q, bytes);
            cuMemAlloc(k, bytes);
            cuMemAlloc(v, bytes);
            cuMemAlloc(out, bytes);
            cuMemAlloc(slopes, (long) heads * Sizeof.FLOAT);
        }

        @Override
        public void close() {
            cuMemFree(q);
            cuMemFree(k);
            cuMemFree(v);
            cuMemFree(out);
            cuMemFree(slopes);
        }
    }

    @Override
    public void close() {
        cuModuleUnload(module);
        cuCtxDestroy(context);
    }
}
