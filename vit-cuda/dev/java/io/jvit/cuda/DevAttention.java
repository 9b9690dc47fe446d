package io.jvit.cuda;

import jcuda.Pointer;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUfunction;
import jcuda.driver.CUfunction_attribute;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static jcuda.driver.JCudaDriver.cuFuncGetAttribute;
import static jcuda.driver.JCudaDriver.cuFuncSetAttribute;
import static jcuda.driver.JCudaDriver.cuLaunchKernel;
import static jcuda.driver.JCudaDriver.cuMemAlloc;
import static jcuda.driver.JCudaDriver.cuMemFree;
import static jcuda.driver.JCudaDriver.cuMemcpyHtoD;

/**
 * The dev harness (test scope, never in the jar): every version of the kernel, the shipped winners included, from the
 * dev module that {@code dev/alibi_attention_dev.cu} builds ({@code target/alibi_attention_dev.ptx}, made by the
 * nvcc profile of vit-cuda's pom), launched by name. The window kernels (v6, v7) read the ALiBi bias from an
 * {@link AlibiTable} on the device ({@link DeviceTable}); without one they compute it as v5 does.
 */
final class DevAttention implements AutoCloseable {
    /** Where the nvcc profile writes the dev module (surefire runs in the module's folder). */
    static final Path PTX = Path.of(System.getProperty("jvit.cuda.devPtx", "target/alibi_attention_dev.ptx"));

    /**
     * Every version, one name each (the entry point is {@code alibi_attention_bf16_<version>}, f32's
     * {@code alibi_attention_f32}); {@code dev/README.md} has the index table with each one's measurements.
     */
    enum Kernel {
        F32("alibi_attention_f32", 64, 128, 0), V1("alibi_attention_bf16_v1", 64, 128, 0),
        V2("alibi_attention_bf16_v2", 64, 128, 0), V3("alibi_attention_bf16_v3", 64, 128, 0),
        V4("alibi_attention_bf16_v4", 128, 128, 0), V5("alibi_attention_bf16_v5", 64, 128, 0),
        V6H("alibi_attention_bf16_v6h", 64, 128, 2), V6H4("alibi_attention_bf16_v6h4", 64, 128, 2),
        V6F("alibi_attention_bf16_v6f", 64, 128, 4), V6H8("alibi_attention_bf16_v6h8", 128, 256, 2),
        V7H("alibi_attention_bf16_v7h", 64, 128, 2), V7H3("alibi_attention_bf16_v7h3", 64, 128, 2),
        V7H8("alibi_attention_bf16_v7h8", 128, 256, 2);

        final String entry;
        final int queriesPerCta, threads, entryBytes;

        Kernel(String entry, int queriesPerCta, int threads, int entryBytes) {
            this.entry = entry;
            this.queriesPerCta = queriesPerCta;
            this.threads = threads;
            this.entryBytes = entryBytes;
        }

        /** The window kernels (v6, v7) read the ALiBi bias from an {@link AlibiTable}. */
        boolean window() { return entryBytes > 0; }
    }

    final CudaAttention cuda;

    DevAttention() throws IOException {
        byte[] ptx = Files.readAllBytes(PTX);
        cuda = new CudaAttention(java.util.Arrays.copyOf(ptx, ptx.length + 1));   // NUL-terminated, as a PTX image must be
    }

    /** True when the dev module has been built (nvcc was there when vit-cuda was built). */
    static boolean built() { return Files.isRegularFile(PTX); }

    /** An {@link AlibiTable} on the device, in the entry type of one window kernel. */
    static final class DeviceTable implements AutoCloseable {
        final AlibiTable table;
        final CUdeviceptr pointer = new CUdeviceptr();
        final int entryBytes;

        DeviceTable(AlibiTable table, Kernel kernel) {
            if (!kernel.window()) throw new IllegalArgumentException(kernel + " reads no table");
            if (table.queriesPerCta() != kernel.queriesPerCta)
                throw new IllegalArgumentException(kernel + " needs a table for " + kernel.queriesPerCta + " queries per CTA, got " + table.queriesPerCta());
            this.table = table;
            this.entryBytes = kernel.entryBytes;
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
    boolean fits(Kernel kernel, AlibiTable table) {
        if (!kernel.window()) return true;
        int[] staticBytes = {0};
        cuFuncGetAttribute(staticBytes, CUfunction_attribute.CU_FUNC_ATTRIBUTE_SHARED_SIZE_BYTES, cuda.function(kernel.entry));
        return staticBytes[0] + (long) table.windowEntries() * kernel.entryBytes <= cuda.sharedOptIn();
    }

    CudaAttention.Footprint footprint(Kernel kernel, int dynamicShared) {
        return CudaAttention.footprint(cuda.function(kernel.entry), kernel.threads, dynamicShared);
    }

    /** Launches {@code kernel}; a window kernel reads the ALiBi bias from {@code table} (null: computed, as v5). */
    void launch(Kernel kernel, CUdeviceptr q, CUdeviceptr k, CUdeviceptr v, CUdeviceptr out, CUdeviceptr slopes,
                int batch, int heads, int n, CudaAttention.Grid grid, DeviceTable table) {
        int[] params = CudaAttention.params(n, grid);
        Pointer slopesArg = CudaAttention.slopesArg(slopes);
        CUfunction f = cuda.function(kernel.entry);
        int dynamicShared = 0;
        Pointer args;
        if (kernel.window()) {
            boolean useTable = table != null && slopes != null;
            if (useTable) {
                if (table.entryBytes != kernel.entryBytes || table.table.queriesPerCta() != kernel.queriesPerCta)
                    throw new IllegalArgumentException(kernel + " needs a table of " + kernel.entryBytes + "-byte entries for " + kernel.queriesPerCta + " queries per CTA");
                CudaAttention.Grid tg = table.table.grid();
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
        cuLaunchKernel(f, (n + kernel.queriesPerCta - 1) / kernel.queriesPerCta, batch * heads, 1, kernel.threads, 1, 1, dynamicShared, null, args, null);
    }

    @Override public void close() { cuda.close(); }
}
