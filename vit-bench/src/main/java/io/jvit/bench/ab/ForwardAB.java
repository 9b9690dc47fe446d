package io.jvit.bench.ab;

import java.io.File;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.DoubleSupplier;

/**
 * {@link KernelAB} for the whole forward pass: two builds of vit-core, each in its own class loader, run
 * {@link ForwardOnce} alternately (order flipping every pair); prints the medians and the median B/A ratio with its
 * interquartile range. For the warm 224² forward (a few tens of milliseconds: several forwards per sample).
 *
 * <pre>{@code
 * java --add-modules jdk.incubator.vector -cp vit-bench/target/classes io.jvit.bench.ab.ForwardAB /tmp/A /tmp/B \
 *     M.safetensors [size=224] [pairs=20] [forwards per sample=10]
 * }</pre>
 * The libraries vit-core needs are taken from vit-bench/target/lib (its own jars of the project excluded).
 */
public final class ForwardAB {
    private ForwardAB() {}

    public static void main(String[] args) throws Exception {
        String model = args[2];
        int size = args.length > 3 ? Integer.parseInt(args[3]) : 224,
                pairs = args.length > 4 ? Integer.parseInt(args[4]) : 20,
                calls = args.length > 5 ? Integer.parseInt(args[5]) : 10;
        URL self = ForwardAB.class.getProtectionDomain().getCodeSource().getLocation();
        List<URL> libs = new ArrayList<>();
        File[] jars = Path.of(self.toURI()).getParent().resolve("lib").toFile().listFiles();
        for (File f : jars == null ? new File[0] : jars)
            if (f.getName().endsWith(".jar") && !f.getName().startsWith("vit-"))
                libs.add(f.toURI().toURL());
        DoubleSupplier[] run = new DoubleSupplier[2];
        for (int i = 0; i < 2; i++) {
            List<URL> urls =
                    new ArrayList<>(List.of(self, Path.of(args[i]).toUri().toURL()));
            urls.addAll(libs);
            URLClassLoader loader = new URLClassLoader(urls.toArray(URL[]::new), ClassLoader.getPlatformClassLoader());
            run[i] = (DoubleSupplier) loader.loadClass(ForwardOnce.class.getName())
                    .getConstructor(String.class, int.class)
                    .newInstance(model, size);
        }
        Interleaved r = Interleaved.run(run[0], run[1], 10, pairs, calls);
        System.out.printf(
                Locale.ROOT,
                "%d² forward: A median %.2f ms, B median %.2f ms (CPU time per forward); B/A median %.3f, IQR %.3f–%.3f over %d pairs%n",
                size,
                r.medianA() * 1e3 / calls,
                r.medianB() * 1e3 / calls,
                r.medianRatio(),
                r.ratioQ1(),
                r.ratioQ3(),
                pairs);
    }
}
