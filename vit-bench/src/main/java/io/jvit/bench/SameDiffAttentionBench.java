package io.jvit.bench;

import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.openjdk.jmh.annotations.*;
import org.openjdk.jmh.infra.Blackhole;

/**
 * Claim (the baseline we replace): attention as a SameDiff graph materialises the (H, N, N) scores, and
 * the ALiBi bias as an (N, N) constant. One OpenMP thread (run with OMP_NUM_THREADS=1).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
@Fork(
        value = 1,
        jvmArgsAppend = {
            "--add-modules",
            "jdk.incubator.vector",
            "-Xmx8g",
            "-Dorg.bytedeco.javacpp.maxbytes=24G",
            "-Dorg.bytedeco.javacpp.maxphysicalbytes=28G"
        })
public class SameDiffAttentionBench {
    @Param({"261", "1374", "5476"})
    public int n;

    @Param({"none", "alibi_materialised"})
    public String bias;

    SameDiff sd;
    Map<String, INDArray> feed;

    @Setup
    public void setup() {
        Workload w = Workload.of(n, 1);
        io.jvit.core.util.Threads.configure(1);
        sd = SameDiff.create();
        long[] shape = {1, w.heads(), n, w.headDim()};
        SDVariable q = sd.placeHolder("q", DataType.FLOAT, shape),
                k = sd.placeHolder("k", DataType.FLOAT, shape),
                v = sd.placeHolder("v", DataType.FLOAT, shape);
        SDVariable logits = sd.mmul(q.mul(1.0 / Math.sqrt(w.headDim())), k.permute(0, 1, 3, 2));
        if (bias.startsWith("alibi"))
            logits = logits.add(sd.constant("M", Nd4j.create(w.alibiMatrix(), new long[] {1, 1, n, n})));
        sd.mmul(sd.nn.softmax(logits, 3), v).rename("out");
        feed = Map.of(
                "q",
                Nd4j.create(w.headMajor(0), shape),
                "k",
                Nd4j.create(w.headMajor(1), shape),
                "v",
                Nd4j.create(w.headMajor(2), shape));
    }

    @Benchmark
    public INDArray samediff() {
        return sd.output(feed, "out").get("out");
    }

    @Benchmark
    public void baseline(Blackhole bh) {
        bh.consume(feed);
    }
}
