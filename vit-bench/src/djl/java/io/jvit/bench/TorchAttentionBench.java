package io.jvit.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.openjdk.jmh.annotations.*;
import org.openjdk.jmh.infra.Blackhole;

import java.util.concurrent.TimeUnit;

/**
 * Claim (the peer): PyTorch 2.7.1 (libtorch through DJL 0.36) computing the same attention eagerly,
 * softmax(q·kᵀ·scale + bias)·v, with the ALiBi bias as a materialised (1, 1, N, N) float tensor, one thread.
 * Build with {@code mvn -Pdjl}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Dai.djl.offline=true", "-DPYTORCH_VERSION=2.7.1", "-DPYTORCH_FLAVOR=cpu"})
public class TorchAttentionBench {
    @Param({"261", "1374", "5476"}) public int n;
    @Param({"none", "alibi_materialised"}) public String bias;

    NDManager manager;
    NDArray q, kt, v, m;
    float scale;

    @Setup
    public void setup() {
        ai.djl.engine.Engine.getEngine("PyTorch");            // loads libtorch from pytorch-native-cpu's jar
        ai.djl.pytorch.jni.JniUtils.setNumThreads(1);
        Workload w = Workload.of(n, 1);
        manager = NDManager.newBaseManager();
        Shape s = new Shape(1, w.heads(), n, w.headDim());
        q = manager.create(w.headMajor(0), s);
        kt = manager.create(w.headMajor(1), s).transpose(0, 1, 3, 2).duplicate();
        v = manager.create(w.headMajor(2), s);
        m = bias.startsWith("alibi") ? manager.create(w.alibiMatrix(), new Shape(1, 1, n, n)) : null;
        scale = (float) (1.0 / Math.sqrt(w.headDim()));
    }

    @Benchmark
    public float torch() {
        try (NDManager sub = manager.newSubManager()) {
            NDArray logits = q.matMul(kt).muli(scale);
            logits.attach(sub);
            if (m != null) logits.addi(m);
            NDArray out = logits.softmax(-1).matMul(v);
            out.attach(sub);
            return out.getFloat(0, 0, 0, 0);
        }
    }

    @Benchmark
    public void baseline(Blackhole bh) { bh.consume(q); }

    @TearDown
    public void close() { manager.close(); }
}
