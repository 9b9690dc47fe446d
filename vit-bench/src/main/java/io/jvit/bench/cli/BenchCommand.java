package io.jvit.bench.cli;

import io.jvit.bench.FmaPeakBench;
import io.jvit.bench.GemmBench;
import io.jvit.bench.ModelForwardBench;
import io.jvit.bench.SgemmPeakBench;
import io.jvit.bench.Workload;
import io.jvit.core.kernel.AttentionWorkspace;
import io.jvit.core.kernel.FusedAttention;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ./vit bench}: a short default set of the JMH benchmarks (vit-bench) run side by side in one
 * process tree, printed as one table with GFLOP/s and the fraction of this machine's single-core sgemm peak.
 */
@Command(
        name = "vit bench",
        mixinStandardHelpOptions = true,
        description =
                "Attention and model benchmarks (JMH): fused kernel vs SameDiff vs PyTorch (when built with -Pdjl).")
public final class BenchCommand implements Callable<Integer> {

    /** {@code ./vit bench …}: the launcher runs this main on vit-bench's class path (JMH, JCuda and the peers stay off the CLI's). */
    public static void main(String[] args) {
        CommandLine cl = new CommandLine(new BenchCommand());
        cl.setExecutionExceptionHandler((e, cmd, parsed) -> {
            cmd.getErr()
                    .println("error: "
                            + (e.getMessage() == null
                                    ? e.getClass().getSimpleName()
                                    : e.getMessage().replace('\n', ' ')));
            return 2;
        });
        cl.setExitCodeExceptionMapper(e -> 2);
        System.exit(cl.execute(args));
    }

    @Option(
            names = "--n",
            split = ",",
            defaultValue = "261,1374",
            description = "token counts (261, 1374, 5476; default ${DEFAULT-VALUE})")
    List<String> tokens;

    @Option(
            names = "--model",
            description = "also time a whole ViT-S/14 ALiBi forward (224² × 8 and 1036²), fast engine vs SameDiff")
    boolean model;

    @Option(names = "--no-samediff", description = "leave out the SameDiff attention graph")
    boolean noSameDiff;

    @Option(
            names = "--iterations",
            defaultValue = "5",
            description = "measurement iterations of 1 s (default ${DEFAULT-VALUE})")
    int iterations;

    @Option(
            names = "--alibi-overhead",
            description =
                    "instead: the fused kernel's ALiBi cost over no bias, from interleaved pairs (robust to a noisy machine)")
    boolean overhead;

    @Option(
            names = "--pairs",
            defaultValue = "21",
            description = "interleaved pairs per N for --alibi-overhead (default ${DEFAULT-VALUE})")
    int pairs;

    @Option(
            names = "--gemm",
            description =
                    "instead: this core's FMA peak and our sgemm against ND4J's on the ViT-S shapes, as %% of the peak")
    boolean gemm;

    @Option(
            names = "--onnx",
            paramLabel = "MODEL.onnx",
            description =
                    "instead: a warm forward of our engine against ONNX Runtime "
                            + "(needs --weights and --image, the model exported by vit-bench/scripts/export_onnx.py, a build with mvn -Ponnx)")
    String onnx;

    @Option(
            names = "--weights",
            paramLabel = "W.safetensors",
            description = "with --onnx: the same model as our .safetensors")
    String weights;

    @Option(
            names = "--image",
            paramLabel = "IMAGE",
            description = "with --onnx: the image (its size must be the one exported)")
    String image;

    @Override
    public Integer call() throws Exception {
        if (overhead) return alibiOverhead();
        if (gemm) return gemmTable();
        if (onnx != null) return onnxTable();
        boolean torch = classPresent("io.jvit.bench.TorchAttentionBench") && classPresent("ai.djl.ndarray.NDManager");
        List<String> include = new ArrayList<>(List.of("SgemmPeakBench.sgemm", "FusedAttentionBench.fused"));
        if (!noSameDiff) include.add("SameDiffAttentionBench.samediff");
        if (torch) include.add("TorchAttentionBench.torch");
        boolean gpu = io.jvit.cuda.CudaAttention.available();
        if (gpu) include.add("CudaAttentionBench.cuda");
        if (model) include.add("ModelForwardBench.forward");
        System.err.printf(
                "vit bench: %s; fused kernel %s (%d lanes); PyTorch peer %s; load %s%n",
                String.join(", ", include),
                FusedAttention.vectorized() ? "Vector API" : "scalar",
                FusedAttention.lanes(),
                torch ? "on" : "off (build with mvn -Pdjl to add it)",
                loadAverage());
        if (!gpu)
            System.err.println("vit bench: no CUDA device ("
                    + io.jvit.cuda.CudaAttention.unavailableReason()
                            .lines()
                            .findFirst()
                            .orElse("") + "), GPU kernels not timed");
        ChainedOptionsBuilder o = options("io\\.jvit\\.bench\\.(" + String.join("|", include) + ")$")
                .param("n", tokens.toArray(String[]::new));
        Collection<RunResult> results = new Runner(o.build()).run();

        double peakMs = Double.NaN;
        for (RunResult r : results)
            if (r.getParams().getBenchmark().endsWith("sgemm"))
                peakMs = r.getPrimaryResult().getScore();
        double peak = SgemmPeakBench.flops() / (peakMs * 1e6);
        System.out.println();
        System.out.printf(
                Locale.ROOT,
                "single-core sgemm peak (ND4J/OpenBLAS, 1024³): %.1f GFLOP/s; load average now %s%n",
                peak,
                loadAverage());
        System.out.printf("%-10s %-20s %6s %16s %9s %7s%n", "impl", "bias / input", "N", "ms/op", "GFLOP/s", "% peak");
        for (RunResult r : results) {
            String b = r.getParams().getBenchmark();
            if (b.endsWith("sgemm")) continue;
            String impl = b.substring(b.lastIndexOf('.') + 1), what;
            double flops;
            int n = 0;
            if (b.contains("ModelForward")) {
                what = r.getParams().getParam("input") + " " + r.getParams().getParam("engine");
                flops = ModelForwardBench.flops(r.getParams().getParam("input"));
                impl = "model";
            } else {
                n = Integer.parseInt(r.getParams().getParam("n"));
                what = r.getParams().getParam("bias");
                Workload w = Workload.of(n, 1);
                flops = w.shape().flops();
            }
            double ms = r.getPrimaryResult().getScore(),
                    err = r.getPrimaryResult().getScoreError();
            double gflops = flops / (ms * 1e6);
            System.out.printf(
                    Locale.ROOT,
                    "%-10s %-20s %6s %8.2f ± %-6.2f %9.1f %6.0f%%%n",
                    impl,
                    what,
                    n == 0 ? "" : String.valueOf(n),
                    ms,
                    Double.isNaN(err) ? 0 : err,
                    gflops,
                    100 * gflops / peak);
        }
        return 0;
    }

    /**
     * Runs no-bias and ALiBi back to back, alternating which goes first, {@code pairs} times per N, and reports
     * the median of the per-pair time ratios: drifts in machine load hit both halves of a pair alike.
     */
    private int alibiOverhead() {
        System.out.printf("%6s %12s %12s %16s%n", "N", "none (ms)", "ALiBi (ms)", "ALiBi / none");
        for (String nn : tokens) {
            Workload w = Workload.of(Integer.parseInt(nn), 1);
            int width = w.width();
            var q = new io.jvit.core.kernel.Strided(w.qkv(), 0, 3 * width);
            var k = new io.jvit.core.kernel.Strided(w.qkv(), width, 3 * width);
            var v = new io.jvit.core.kernel.Strided(w.qkv(), 2 * width, 3 * width);
            var o = io.jvit.core.kernel.Strided.of(new float[w.n() * width], width);
            io.jvit.core.kernel.AttentionBias none = new io.jvit.core.kernel.AttentionBias.None(), alibi = w.alibi();
            // each with its own workspace, as the fast engine runs them: K/V buffers and ALiBi tables reused across
            // calls
            AttentionWorkspace noneSpace = new AttentionWorkspace(), alibiSpace = new AttentionWorkspace();
            for (int i = 0; i < 3; i++) { // warm up both paths
                FusedAttention.forward(q, k, v, o, w.shape(), none, 1, noneSpace);
                FusedAttention.forward(q, k, v, o, w.shape(), alibi, 1, alibiSpace);
            }
            double[] ratio = new double[pairs], tn = new double[pairs], ta = new double[pairs];
            for (int p = 0; p < pairs; p++) {
                boolean alibiFirst = p % 2 == 1;
                long a0 = System.nanoTime();
                FusedAttention.forward(
                        q, k, v, o, w.shape(), alibiFirst ? alibi : none, 1, alibiFirst ? alibiSpace : noneSpace);
                long a1 = System.nanoTime();
                FusedAttention.forward(
                        q, k, v, o, w.shape(), alibiFirst ? none : alibi, 1, alibiFirst ? noneSpace : alibiSpace);
                long a2 = System.nanoTime();
                tn[p] = (alibiFirst ? a2 - a1 : a1 - a0) / 1e6;
                ta[p] = (alibiFirst ? a1 - a0 : a2 - a1) / 1e6;
                ratio[p] = ta[p] / tn[p];
            }
            java.util.Arrays.sort(ratio);
            java.util.Arrays.sort(tn);
            java.util.Arrays.sort(ta);
            System.out.printf(
                    Locale.ROOT,
                    "%6d %12.1f %12.1f %9.3f (IQR %.3f–%.3f)%n",
                    w.n(),
                    tn[pairs / 2],
                    ta[pairs / 2],
                    ratio[pairs / 2],
                    ratio[pairs / 4],
                    ratio[3 * pairs / 4]);
        }
        return 0;
    }

    private ChainedOptionsBuilder options(String include) {
        return new OptionsBuilder()
                .include(include)
                .forks(1)
                .warmupIterations(2)
                .warmupTime(TimeValue.seconds(1))
                .measurementIterations(iterations)
                .measurementTime(TimeValue.seconds(1));
    }

    /** FmaPeakBench and GemmBench in one run: GFLOP/s, % of the FMA peak, ours / ND4J's time ratio. */
    private int gemmTable() throws Exception {
        System.err.printf("vit bench --gemm: load %s%n", loadAverage());
        Collection<RunResult> results = new Runner(
                        options("io\\.jvit\\.bench\\.(FmaPeakBench\\.fma|GemmBench\\.(jvit|nd4j))$")
                                .build())
                .run();
        double peak = Double.NaN;
        for (RunResult r : results)
            if (r.getParams().getBenchmark().endsWith("fma"))
                peak = FmaPeakBench.flops() / (r.getPrimaryResult().getScore() * 1e3);
        System.out.println();
        System.out.printf(
                Locale.ROOT,
                "FMA peak (12 chains, %d lanes): %.1f GFLOP/s; load average now %s%n",
                jdk.incubator.vector.FloatVector.SPECIES_PREFERRED.length(),
                peak,
                loadAverage());
        System.out.printf(
                "%-16s %-6s %16s %9s %7s %12s%n", "M x K x N", "impl", "ms/op", "GFLOP/s", "% peak", "ND4J / ours");
        java.util.Map<String, Double> nd4j = new java.util.HashMap<>();
        for (RunResult r : results)
            if (r.getParams().getBenchmark().endsWith("nd4j"))
                nd4j.put(r.getParams().getParam("shape"), r.getPrimaryResult().getScore());
        for (RunResult r : results) {
            String b = r.getParams().getBenchmark();
            if (b.endsWith("fma")) continue;
            String shape = r.getParams().getParam("shape"), impl = b.substring(b.lastIndexOf('.') + 1);
            double ms = r.getPrimaryResult().getScore(), g = GemmBench.flops(shape) / (ms * 1e6);
            System.out.printf(
                    Locale.ROOT,
                    "%-16s %-6s %8.2f ± %-5.2f %9.1f %6.0f%% %12s%n",
                    shape,
                    impl,
                    ms,
                    r.getPrimaryResult().getScoreError(),
                    g,
                    100 * g / peak,
                    impl.equals("jvit") && nd4j.containsKey(shape)
                            ? String.format(Locale.ROOT, "%.2f", nd4j.get(shape) / ms)
                            : "");
        }
        return 0;
    }

    /** OnnxForwardBench: our engine and ONNX Runtime on the same weights and image, one JVM. */
    private int onnxTable() throws Exception {
        if (!classPresent("io.jvit.bench.onnx.OnnxForwardBench") || !classPresent("ai.onnxruntime.OrtSession"))
            throw new IllegalArgumentException(
                    "--onnx needs the ONNX Runtime peer: build with mvn -Ponnx -DskipTests package -pl examples -am");
        if (weights == null || image == null) throw new IllegalArgumentException("--onnx needs --weights and --image");
        System.err.printf("vit bench --onnx: load %s%n", loadAverage());
        Collection<RunResult> results = new Runner(
                        options("io\\.jvit\\.bench\\.onnx\\.OnnxForwardBench\\.(jvit|onnxruntime)$")
                                .param("onnx", onnx)
                                .param("weights", weights)
                                .param("image", image)
                                .build())
                .run();
        System.out.println();
        double ours = Double.NaN, ort = Double.NaN;
        for (RunResult r : results) {
            if (r.getParams().getBenchmark().endsWith("jvit"))
                ours = r.getPrimaryResult().getScore();
            else ort = r.getPrimaryResult().getScore();
        }
        System.out.printf(
                Locale.ROOT,
                "warm forward, 1 thread: jvit %.1f ms, ONNX Runtime %.1f ms: ONNX Runtime / jvit = %.2f (load %s)%n",
                ours,
                ort,
                ort / ours,
                loadAverage());
        return 0;
    }

    private static boolean classPresent(String name) {
        try {
            Class.forName(name, false, BenchCommand.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException | LinkageError e) {
            return false;
        }
    }

    private static String loadAverage() {
        return String.format(
                Locale.ROOT,
                "%.2f",
                java.lang.management.ManagementFactory.getOperatingSystemMXBean()
                        .getSystemLoadAverage());
    }
}
