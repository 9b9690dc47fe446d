package io.jvit.bench.ab;

import io.jvit.core.checkpoint.Checkpoints;
import io.jvit.core.fast.FastViT;
import io.jvit.core.pe.Pe;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Path;
import java.util.function.DoubleSupplier;

/**
 * One {@link FastViT#run} of a ./vit init checkpoint on a random size × size image, one thread, per {@link #getAsDouble()},
 * which returns the calling thread's CPU seconds. {@link ForwardAB} loads this class once per build of vit-core.
 */
public final class ForwardOnce implements DoubleSupplier {
    private final FastViT engine;
    private final float[] image;
    private final int size;
    private final ThreadMXBean cpu = ManagementFactory.getThreadMXBean();

    public ForwardOnce(String model, int size) {
        Checkpoints.FloatModel m = Checkpoints.loadFloats(Path.of(model), Pe.AS_TRAINED);
        if (m == null) throw new IllegalArgumentException(model + " is not a ./vit init .safetensors");
        engine = new FastViT(m.config(), m.weights(), 1);
        this.size = size;
        image = new float[3 * size * size];
        java.util.Random r = new java.util.Random(1);
        for (int i = 0; i < image.length; i++) image[i] = (float) r.nextGaussian();
    }

    @Override
    public double getAsDouble() {
        long t0 = cpu.getCurrentThreadCpuTime();
        engine.run(image, 1, size, size, false);
        return (cpu.getCurrentThreadCpuTime() - t0) / 1e9;
    }
}
