package io.jvit.bench.onnx;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import io.jvit.core.checkpoint.Checkpoints;
import io.jvit.core.fast.FastViT;
import io.jvit.core.model.ViTOutput;
import io.jvit.core.pe.Pe;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.openjdk.jmh.annotations.*;
import org.openjdk.jmh.infra.Blackhole;

import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Claim: a warm forward of our fast engine against ONNX Runtime on the same weights and image, in one JVM.
 * {@code weights} is one of our ALiBi .safetensors, {@code onnx} its export for the image's size
 * ({@code vit-bench/scripts/export_onnx.py}); both engines get the same (1, 3, H, W) input.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "-XX:+UseSerialGC"})
public class OnnxForwardBench {
    @Param({""}) public String weights;
    @Param({""}) public String onnx;
    @Param({""}) public String image;
    @Param({"1"}) public int threads;

    FastViT fast;
    INDArray input;
    OrtEnvironment env;
    OrtSession session;
    OnnxTensor tensor;

    @Setup
    public void setup() throws Exception {
        io.jvit.core.image.Preprocessor.Pixels px = OrtFeatures.pixels(Path.of(image), 14);
        float[] x = px.data();
        int[] hw = {px.height(), px.width()};
        io.jvit.core.util.Threads.configure(threads);
        fast = new FastViT(Checkpoints.load(Path.of(weights), Pe.ALIBI).model(), threads);
        input = Nd4j.create(x, new long[]{1, 3, hw[0], hw[1]});
        env = OrtEnvironment.getEnvironment();
        session = env.createSession(onnx, OrtFeatures.options(threads));
        tensor = OnnxTensor.createTensor(env, FloatBuffer.wrap(x), new long[]{1, 3, hw[0], hw[1]});
    }

    @TearDown
    public void close() throws Exception {
        tensor.close();
        session.close();
    }

    @Benchmark
    public ViTOutput jvit() { return fast.forward(input); }

    @Benchmark
    public void onnxruntime(Blackhole bh) throws Exception {
        try (OrtSession.Result r = session.run(Map.of("image", tensor))) {
            bh.consume(((OnnxTensor) r.get(0)).getFloatBuffer().get(0));
        }
    }
}
