package io.jvit.cuda;

import jcuda.Pointer;
import jcuda.Sizeof;
import jcuda.driver.CUcontext;
import jcuda.driver.CUdevice;
import jcuda.driver.CUdevice_attribute;
import jcuda.driver.CUfunction_attribute;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUevent;
import jcuda.driver.CUfunction;
import jcuda.driver.CUmodule;
import jcuda.driver.JCudaDriver;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

import static jcuda.driver.JCudaDriver.*;

/**
 * The fused 2D-ALiBi flash-attention kernel on an NVIDIA GPU, through JCuda's driver API. The kernel is
 * compiled at build time from {@code src/main/cuda/alibi_attention.cu} and shipped as resources (a fatbin with sm_90
 * machine code and the compute_80 PTX, and the PTX alone as the fallback);
 * {@link #available()} is one cached probe (driver, device, module load) that never throws.
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
            } catch (Throwable t) {                                   // no libcuda, no device, old driver, …
                unavailableReason = t.getClass().getSimpleName() + ": " + t.getMessage();
                available = false;
            }
        }
        return available;
    }

    /** Why {@link #available()} is false. */
    public static String unavailableReason() { return available() ? "" : unavailableReason; }

    private final CUcontext context = new CUcontext();
    private final CUmodule module = new CUmodule();
    private final java.util.EnumMap<Kernel, CUfunction> functions = new java.util.EnumMap<>(Kernel.class);
    private final String deviceName;
    private final int sharedOptIn;                                   // most shared memory one CTA may ask for

    public CudaAttention() {
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
        try {
            cuModuleLoadData(module, resource(FATBIN));               // sm_90 machine code, or the driver JITs its PTX
        } catch (jcuda.CudaException e) {                             // e.g. a driver older than the fatbin's format
            cuModuleLoadData(module, ptx());
        }
        for (Kernel k : Kernel.values()) {
            CUfunction f = new CUfunction();
            cuModuleGetFunction(f, module, k.entry);
            functions.put(k, f);
        }
        int[] optIn = {0};
        cuDeviceGetAttribute(optIn, CUdevice_attribute.CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN, dev);
        sharedOptIn = optIn[0];
    }

    public String deviceName() { return deviceName; }

    static byte[] ptx() { return resource(PTX); }

    /** A module image from the resources, NUL-terminated (which a PTX image needs and a fatbin ignores). */
    static byte[] resource(String name) {
        try (InputStream in = CudaAttention.class.getResourceAsStream(name)) {
            if (in == null) throw new IllegalStateException("missing resource " + name + " (build vit-cuda with nvcc present)");
            byte[] b = in.readAllBytes();
            return java.util.Arrays.copyOf(b, b.length + 1);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + name, e);
        }
    }

    /** out = attention(q, k, v) on the GPU for fp32 arrays (B, H, N, 64); {@code slopes} null for no bias. */
    public void forward(float[] q, float[] k, float[] v, float[] out, int batch, int heads, int n, float[] slopes, Grid grid) {
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
    public void launch(boolean bf16, CUdeviceptr q, CUdeviceptr k, CUdeviceptr v, CUdeviceptr out, CUdeviceptr slopes,
                       int batch, int heads, int n, Grid grid) {
        launch(bf16 ? Kernel.BF16_PAIRED : Kernel.F32, q, k, v, out, slopes, batch, heads, n, grid);
    }

    /**
     * The kernels in the module: fp32 inputs; bf16 with simple staging; bf16 with cp.async double buffering;
     * the same with the bias from a per-CTA table of distances (no sqrt per score); pipelined with 32 query rows
     * per warp (128 per CTA), each K/V fragment feeding two products; pipelined with the key coordinates of a
     * thread's key pair in one 16-byte shared load; the window kernels (v6), which read the bias from a per-CTA
     * window of an {@link AlibiTable} in shared memory (fp16; fp16 capped at 128 registers for four CTAs per SM;
     * fp32; fp16 with eight warps and 128 queries per CTA) and take K and V fragments by ldmatrix.x4; v7, the fp16 window
     * kernel with the next key tile's Q·Kᵀ issued before this tile's softmax (229 registers; capped at 168 for three CTAs per SM; with eight warps and 128 queries per CTA). The window kernels need a {@link DeviceTable} for
     * ALiBi ({@link #launch(Kernel, CUdeviceptr, CUdeviceptr, CUdeviceptr, CUdeviceptr, CUdeviceptr, int, int, int, Grid, DeviceTable)});
     * without one they compute the bias as v5 does.
     */
    public enum Kernel {
        F32("alibi_attention_f32", 64, 128, 0), BF16_SIMPLE("alibi_attention_bf16", 64, 128, 0),
        BF16_PIPELINED("alibi_attention_bf16_v2", 64, 128, 0), BF16_TABLE("alibi_attention_bf16_v3", 64, 128, 0),
        BF16_WIDE("alibi_attention_bf16_v4", 128, 128, 0), BF16_PAIRED("alibi_attention_bf16_v5", 64, 128, 0),
        BF16_WINDOW("alibi_attention_bf16_v6h", 64, 128, 2), BF16_WINDOW_NARROW("alibi_attention_bf16_v6h4", 64, 128, 2),
        BF16_WINDOW_F32("alibi_attention_bf16_v6f", 64, 128, 4), BF16_WINDOW_128("alibi_attention_bf16_v6h8", 128, 256, 2),
        BF16_WINDOW_PIPELINED("alibi_attention_bf16_v7h", 64, 128, 2), BF16_WINDOW_PIPELINED_3("alibi_attention_bf16_v7h3", 64, 128, 2),
        BF16_WINDOW_PIPELINED_128("alibi_attention_bf16_v7h8", 128, 256, 2);

        /** The kernel's entry in the PTX module. */
        final String entry;
        private final int queriesPerCta, threads, entryBytes;

        Kernel(String entry, int queriesPerCta, int threads, int entryBytes) {
            this.entry = entry;
            this.queriesPerCta = queriesPerCta;
            this.threads = threads;
            this.entryBytes = entryBytes;
        }

        /** True for the window kernels (v6), which read the ALiBi bias from an {@link AlibiTable}. */
        public boolean window() { return entryBytes > 0; }

        /** Consecutive queries per CTA. */
        public int queriesPerCta() { return queriesPerCta; }

        /** Threads per CTA. */
        int threads() { return threads; }

        /** Bytes per table entry of a window kernel (0: reads no table). */
        int entryBytes() { return entryBytes; }
    }

    /** An {@link AlibiTable} on the device, in the entry type of one window kernel. */
    public static final class DeviceTable implements AutoCloseable {
        public final AlibiTable table;
        final CUdeviceptr pointer = new CUdeviceptr();
        final int entryBytes;

        public DeviceTable(AlibiTable table, Kernel kernel) {
            if (!kernel.window()) throw new IllegalArgumentException(kernel + " reads no table");
            if (table.queriesPerCta() != kernel.queriesPerCta())
                throw new IllegalArgumentException(kernel + " needs a table for " + kernel.queriesPerCta() + " queries per CTA, got " + table.queriesPerCta());
            this.table = table;
            this.entryBytes = kernel.entryBytes();
            long bytes = (long) table.values().length * entryBytes;
            cuMemAlloc(pointer, bytes);
            if (entryBytes == 2) cuMemcpyHtoD(pointer, Pointer.to(table.halfBits()), bytes);
            else cuMemcpyHtoD(pointer, Pointer.to(table.values()), bytes);
        }

        /** Dynamic shared memory of one CTA. */
        int windowBytes() { return table.windowEntries() * entryBytes; }

        @Override public void close() { cuMemFree(pointer); }
    }

    /** True when {@code kernel} can run with {@code table}: its CTA window fits this GPU's shared memory. */
    public boolean fits(Kernel kernel, AlibiTable table) {
        if (!kernel.window()) return true;
        int[] staticBytes = {0};
        cuFuncGetAttribute(staticBytes, CUfunction_attribute.CU_FUNC_ATTRIBUTE_SHARED_SIZE_BYTES, function(kernel));
        return staticBytes[0] + (long) table.windowEntries() * kernel.entryBytes() <= sharedOptIn;
    }

    private CUfunction function(Kernel kernel) { return functions.get(kernel); }

    /**
     * What a kernel takes from an SM as the driver compiled it for this GPU: registers and local (spilled) bytes
     * per thread, static shared bytes per CTA, and how many CTAs fit one SM with {@code dynamicShared} bytes more
     * (the occupancy that limits how well the SM hides latency).
     */
    public record Footprint(int registers, int localBytes, int staticShared, int ctasPerSm) {}

    public Footprint footprint(Kernel kernel, int dynamicShared) {
        CUfunction f = function(kernel);
        int[] regs = {0}, local = {0}, shared = {0}, ctas = {0};
        cuFuncGetAttribute(regs, CUfunction_attribute.CU_FUNC_ATTRIBUTE_NUM_REGS, f);
        cuFuncGetAttribute(local, CUfunction_attribute.CU_FUNC_ATTRIBUTE_LOCAL_SIZE_BYTES, f);
        cuFuncGetAttribute(shared, CUfunction_attribute.CU_FUNC_ATTRIBUTE_SHARED_SIZE_BYTES, f);
        if (dynamicShared > 0) cuFuncSetAttribute(f, CUfunction_attribute.CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES, dynamicShared);
        cuOccupancyMaxActiveBlocksPerMultiprocessor(ctas, f, kernel.threads(), dynamicShared);
        return new Footprint(regs[0], local[0], shared[0], ctas[0]);
    }

    public void launch(Kernel kernel, CUdeviceptr q, CUdeviceptr k, CUdeviceptr v, CUdeviceptr out, CUdeviceptr slopes,
                       int batch, int heads, int n, Grid grid) {
        launch(kernel, q, k, v, out, slopes, batch, heads, n, grid, null);
    }

    /** As above; a window kernel reads the ALiBi bias from {@code table} (null: computed, as v5). */
    public void launch(Kernel kernel, CUdeviceptr q, CUdeviceptr k, CUdeviceptr v, CUdeviceptr out, CUdeviceptr slopes,
                       int batch, int heads, int n, Grid grid, DeviceTable table) {
        int[] params = new int[8];
        params[0] = n; params[1] = grid.prefix(); params[2] = grid.gridH(); params[3] = grid.gridW();
        params[4] = grid.wrap() ? 1 : 0; params[5] = grid.manhattan() ? 1 : 0;
        params[6] = Float.floatToRawIntBits(grid.invMaxDist());
        params[7] = Float.floatToRawIntBits((float) (1.4426950408889634 / Math.sqrt(HEAD_DIM)));
        Pointer slopesArg = slopes == null ? Pointer.to(new long[]{0}) : Pointer.to(slopes);
        CUfunction f = function(kernel);
        int rowsPerCta = kernel.queriesPerCta(), dynamicShared = 0;
        Pointer args;
        if (kernel.window()) {
            boolean useTable = table != null && slopes != null;
            if (useTable) {
                if (table.entryBytes != kernel.entryBytes() || table.table.queriesPerCta() != kernel.queriesPerCta())
                    throw new IllegalArgumentException(kernel + " needs a table of " + kernel.entryBytes() + "-byte entries for " + kernel.queriesPerCta() + " queries per CTA");
                Grid tg = table.table.grid();
                if (tg.gridH() != grid.gridH() || tg.gridW() != grid.gridW() || tg.prefix() != grid.prefix() || table.table.heads() != heads)
                    throw new IllegalArgumentException("the table was built for another grid or head count");
                if (!fits(kernel, table.table)) throw new IllegalArgumentException("the " + table.windowBytes() + "-byte window does not fit this GPU's shared memory");
                dynamicShared = table.windowBytes();
                cuFuncSetAttribute(f, CUfunction_attribute.CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES, dynamicShared);
            }
            args = Pointer.to(Pointer.to(q), Pointer.to(k), Pointer.to(v), Pointer.to(out), slopesArg, Pointer.to(new int[]{heads}),
                    Pointer.to(params), useTable ? Pointer.to(table.pointer) : Pointer.to(new long[]{0}),
                    Pointer.to(useTable ? table.table.params() : new int[4]));
        } else {
            args = Pointer.to(Pointer.to(q), Pointer.to(k), Pointer.to(v), Pointer.to(out), slopesArg, Pointer.to(new int[]{heads}), Pointer.to(params));
        }
        cuLaunchKernel(f, (n + rowsPerCta - 1) / rowsPerCta, batch * heads, 1, kernel.threads(), 1, 1, dynamicShared, null, args, null);
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

    private static long check(float[] q, float[] k, float[] v, float[] out, int batch, int heads, int n, float[] slopes, Grid grid) {
        if (batch < 1 || heads < 1 || n < 1) throw new IllegalArgumentException("sizes must be positive: " + batch + ", " + heads + ", " + n);
        long count = (long) batch * heads * n * HEAD_DIM;
        for (float[] a : new float[][]{q, k, v, out})
            if (a.length != count) throw new IllegalArgumentException("arrays must hold B·H·N·64 = " + count + " floats, got " + a.length);
        if (slopes != null && slopes.length != heads) throw new IllegalArgumentException(slopes.length + " slopes for " + heads + " heads");
        if (grid.prefix() + grid.gridH() * grid.gridW() != n)
            throw new IllegalArgumentException("grid " + grid.gridH() + "×" + grid.gridW() + " + " + grid.prefix() + " prefix tokens does not match N = " + n);
        return count;
    }

    /** Device memory for one call, freed on close. */
    public static final class DeviceBuffers implements AutoCloseable {
        public final CUdeviceptr q = new CUdeviceptr(), k = new CUdeviceptr(), v = new CUdeviceptr(), out = new CUdeviceptr(), slopes = new CUdeviceptr();

        public DeviceBuffers(long bytes, int heads) {
            cuMemAlloc(q, bytes);
            cuMemAlloc(k, bytes);
            cuMemAlloc(v, bytes);
            cuMemAlloc(out, bytes);
            cuMemAlloc(slopes, (long) heads * Sizeof.FLOAT);
        }

        @Override public void close() {
            cuMemFree(q); cuMemFree(k); cuMemFree(v); cuMemFree(out); cuMemFree(slopes);
        }
    }

    @Override public void close() {
        cuModuleUnload(module);
        cuCtxDestroy(context);
    }
}
