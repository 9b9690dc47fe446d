package io.jvit.bench.ab;

import io.jvit.core.checkpoint.Checkpoints;
import io.jvit.core.fast.FastViT;
import io.jvit.core.pe.Pe;
import java.nio.file.Path;
import java.util.Locale;

/**
 * The reproducer of docs/performance.md's "attention forward kernel" section: a plain loop of {@link FastViT#run} on one
 * random size × size image in a fresh JVM, without the JIT warm-up thread (nothing here starts it), so that C2 compiles the
 * kernels from the large-N profile of the forward itself. Prints each forward's wall time; with {@code -Djvit.profile=true}
 * also the engine's per-part times (attention among them).
 *
 * <pre>
 * ./vit init --arch dinov2_vits14_reg4 --depth 4 --pe alibi --out M.safetensors
 * java --add-modules jdk.incubator.vector -Djvit.profile=true -cp "vit-bench/target/classes:vit-bench/target/lib/*" \
 *     io.jvit.bench.ab.ColdForward M.safetensors [size=1036] [runs=3]
 * </pre>
 */
public final class ColdForward {
    private ColdForward() {}

    public static void main(String[] args) {
        Path model = Path.of(args[0]);
        int size = args.length > 1 ? Integer.parseInt(args[1]) : 1036,
                runs = args.length > 2 ? Integer.parseInt(args[2]) : 3;
        Checkpoints.FloatModel m = Checkpoints.loadFloats(model, Pe.AS_TRAINED);
        if (m == null)
            throw new IllegalArgumentException(model + " is not a ./vit init or ./vit retrofit .safetensors");
        FastViT engine = new FastViT(m.config(), m.weights(), 1);
        float[] image = new float[3 * size * size];
        java.util.Random r = new java.util.Random(1);
        for (int i = 0; i < image.length; i++) image[i] = (float) r.nextGaussian();
        for (int i = 0; i < runs; i++) {
            long t0 = System.nanoTime();
            engine.run(image, 1, size, size, false);
            System.out.printf(Locale.ROOT, "forward %d: %.2f s%n", i + 1, (System.nanoTime() - t0) / 1e9);
        }
    }
}
