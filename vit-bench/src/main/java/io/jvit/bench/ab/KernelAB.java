package io.jvit.bench.ab;

import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.util.Locale;
import java.util.function.DoubleSupplier;

/**
 * An A/B of two builds of vit-core's attention kernel in one JVM, for a machine too noisy for separate runs:
 * each build is loaded in its own class loader, calls alternate (order flipping every pair), and the median of
 * the per-pair ratios B/A is reported with its interquartile range. An A/A run shows the noise floor.
 *
 * <pre>{@code
 * mvn -q -o compile -pl vit-core && cp -r vit-core/target/classes /tmp/A     # baseline
 * (change the kernel) mvn -q -o compile -pl vit-core && cp -r vit-core/target/classes /tmp/B
 * java --add-modules jdk.incubator.vector -cp vit-bench/target/classes io.jvit.bench.ab.KernelAB /tmp/A /tmp/B [pairs=16] [side=74] [prefix=0] [bias=alibi|none] [calls=1] [pass=forward|backward]
 * }</pre>
 * {@code backward}: the attention backward pass ({@code FusedAttention.backward}, after one forward for training).
 * {@code calls}: calls per timed sample (their CPU times added), for small N where one call is a millisecond or two
 * (N = 261: {@code 16 5 alibi 50}); the warm-up is five samples of each build, alternating.
 */
public final class KernelAB {
    private KernelAB() {}

    public static void main(String[] args) throws Exception {
        if (args.length < 2) {
            System.err.println(
                    "usage: KernelAB CLASSES_A CLASSES_B [pairs=16] [grid side=74] [prefix tokens=0] [bias=alibi|none] [calls per sample=1] [pass=forward|backward]");
            System.exit(2);
        }
        int pairs = args.length > 2 ? Integer.parseInt(args[2]) : 16,
                side = args.length > 3 ? Integer.parseInt(args[3]) : 74;
        int prefix = args.length > 4 ? Integer.parseInt(args[4]) : 0;
        boolean alibi = args.length <= 5 || args[5].equals("alibi");
        int calls = args.length > 6 ? Integer.parseInt(args[6]) : 1;
        boolean backward = args.length > 7 && args[7].equals("backward");
        URL self = KernelAB.class.getProtectionDomain().getCodeSource().getLocation();
        DoubleSupplier[] run = new DoubleSupplier[2];
        for (int i = 0; i < 2; i++) {
            Path dir = Path.of(args[i]);
            if (!dir.resolve("io/jvit/core/kernel/FusedAttention.class")
                    .toFile()
                    .isFile())
                throw new IllegalArgumentException(
                        dir + " holds no compiled vit-core (io/jvit/core/kernel/FusedAttention.class)");
            URLClassLoader loader =
                    new URLClassLoader(new URL[] {self, dir.toUri().toURL()}, ClassLoader.getPlatformClassLoader());
            run[i] = (DoubleSupplier) loader.loadClass(AttentionOnce.class.getName())
                    .getConstructor(int.class, int.class, boolean.class, boolean.class)
                    .newInstance(side, prefix, alibi, backward);
        }
        Interleaved r = Interleaved.run(run[0], run[1], 5, pairs, calls);
        System.out.printf(
                Locale.ROOT,
                "%sN = %d (%s): A median %.3f s, B median %.3f s (CPU time%s); B/A median %.3f, IQR %.3f–%.3f over %d pairs%n",
                backward ? "backward, " : "",
                prefix + side * side,
                alibi ? "alibi" : "no bias",
                r.medianA(),
                r.medianB(),
                calls > 1 ? ", " + calls + " calls" : "",
                r.medianRatio(),
                r.ratioQ1(),
                r.ratioQ3(),
                pairs);
    }
}
