package io.jvit.bench.onnx;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;

import io.jvit.core.image.ImageLoader;
import io.jvit.core.image.Preprocessor;
import io.jvit.core.io.Npy;

import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The whole-process peer of {@code ./vit features}: an ONNX model exported by {@code vit-bench/scripts/export_onnx.py},
 * run by ONNX Runtime's Java API on one image, the features written as .npy.
 *
 * <pre>java -cp … io.jvit.bench.onnx.OrtFeatures MODEL.onnx IMAGE.png OUT.npy [THREADS=1] [PATCH=14]</pre>
 */
public final class OrtFeatures {
    public static void main(String[] args) throws Exception {
        if (args.length < 3) {
            System.err.println("usage: OrtFeatures MODEL.onnx IMAGE.png OUT.npy [THREADS=1] [PATCH=14]");
            System.exit(2);
        }
        int threads = args.length > 3 ? Integer.parseInt(args[3]) : 1, patch = args.length > 4 ? Integer.parseInt(args[4]) : 14;
        long t0 = System.nanoTime();
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession.SessionOptions o = options(threads); OrtSession session = env.createSession(args[0], o)) {
            Preprocessor.Pixels x = pixels(Path.of(args[1]), patch);
            long t1 = System.nanoTime();
            try (OnnxTensor in = OnnxTensor.createTensor(env, FloatBuffer.wrap(x.data()), new long[]{1, 3, x.height(), x.width()});
                 OrtSession.Result r = session.run(Map.of("image", in))) {
                OnnxTensor out = (OnnxTensor) r.get(0);
                long[] shape = out.getInfo().getShape();
                FloatBuffer fb = out.getFloatBuffer();
                float[] f = new float[fb.remaining()];
                fb.get(f);
                long t2 = System.nanoTime();
                Npy.write(Path.of(args[2]), f, shape);
                System.err.printf("onnxruntime %s, %d intra-op thread(s): %d×%d patches × %d; load %.2f s, forward %.2f s%n",
                        env.getVersion(), threads, shape[0], shape[1], shape[2], (t1 - t0) / 1e9, (t2 - t1) / 1e9);
            }
        }
    }

    /**
     * The image as (1, 3, H, W) ImageNet-normalised floats, cropped to whole patches: our loader and preprocessor,
     * which touch no ND4J class with native code, so the peer's cold start is its own.
     */
    static Preprocessor.Pixels pixels(Path image, int patch) throws java.io.IOException {
        return new Preprocessor(patch, Preprocessor.ResizePolicy.NONE).pixels(List.of(ImageLoader.read(image)));
    }

    /** One intra-op thread pool of {@code threads}, no inter-op parallelism, every graph optimisation. */
    static OrtSession.SessionOptions options(int threads) throws Exception {
        OrtSession.SessionOptions o = new OrtSession.SessionOptions();
        o.setIntraOpNumThreads(threads);
        o.setInterOpNumThreads(1);
        o.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
        return o;
    }
}
