package io.jvit.cli;

import io.jvit.core.checkpoint.CheckpointFormat;
import io.jvit.core.checkpoint.Checkpoints;
import io.jvit.core.fast.FastViT;
import io.jvit.core.config.ViTConfig;
import io.jvit.core.image.Image;
import io.jvit.core.image.ImageLoader;
import io.jvit.core.image.Preprocessor;
import io.jvit.core.io.Npy;
import io.jvit.core.model.ViTOutput;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code ./vit features}: final-LayerNorm'd patch tokens of one image as a float32 (h, w, C) .npy. */
@Command(name = "features", mixinStandardHelpOptions = true,
        description = "Write the patch features (h, w, C) of one image to a .npy file.")
final class FeaturesCommand implements Callable<Integer> {

    @Option(names = {"-w", "--weights"}, required = true, paramLabel = "FILE",
            description = ".pth or .safetensors checkpoint (DINOv2 hub, timm, HF transformers or jvit naming; detected)")
    Path weights;

    @Option(names = {"-i", "--image"}, required = true, paramLabel = "FILE", description = "PNG, JPEG or TIFF image")
    Path image;

    @Option(names = {"-o", "--out"}, required = true, paramLabel = "FILE.npy", description = "output .npy (float32, C order)")
    Path out;

    @Option(names = "--pe", paramLabel = "KIND",
            description = "positional encoding: learned, alibi, sincos, rope or none (default: the checkpoint's)")
    String pe;

    @Option(names = "--arch", paramLabel = "NAME", description = "preset the checkpoint must fit, e.g. dinov2_vits14_reg4 (default: inferred)")
    String arch;

    @Option(names = "--resize", paramLabel = "POLICY", defaultValue = "none",
            description = "none (crop to a multiple of the patch size) or closest (bilinear to the closest lower multiple); default ${DEFAULT-VALUE}")
    String resize;

    @Option(names = "--engine", paramLabel = "ENGINE", defaultValue = "fast",
            description = "fast (fused attention kernel + BLAS, O(N·C) memory) or samediff (the autodiff graph); default ${DEFAULT-VALUE}")
    String engine;

    @Mixin ThreadsOption threadsOption;
    @Mixin NonFiniteOption nonFinite;
    private int threads;                       // set from threadsOption when the command runs

    @Override
    public Integer call() throws Exception {
        if (!out.getFileName().toString().endsWith(".npy")) throw new IllegalArgumentException(out + ": output must end in .npy");
        Preprocessor.ResizePolicy policy = switch (resize.toLowerCase(Locale.ROOT)) {
            case "none" -> Preprocessor.ResizePolicy.NONE;
            case "closest" -> Preprocessor.ResizePolicy.CLOSEST_LOWER_MULTIPLE;
            default -> throw new IllegalArgumentException("--resize must be none or closest, got '" + resize + "'");
        };
        long t0 = System.nanoTime();
        // our own .safetensors on the fast engine: float arrays end to end, ND4J (and its natives) never loaded
        Checkpoints.FloatModel floats = engine.equals("fast") ? Checkpoints.loadFloats(weights, arch, pe, nonFinite.allow) : null;
        if (floats != null) return withoutNd4j(floats, policy, t0);
        threads = threadsOption.configure();
        Checkpoints.Loaded loaded = Checkpoints.load(weights, arch, pe, nonFinite.allow);
        ViTConfig c = loaded.model().config();
        describe(loaded.format(), c);
        loaded.notes().forEach(n -> System.err.println("note: " + n));
        Preprocessor.Pixels px = pixels(c, policy);
        INDArray x = Nd4j.create(px.data(), new long[]{1, 3, px.height(), px.width()});
        long t1 = System.nanoTime();
        ViTOutput o = Engines.forward(engine, loaded.model(), threads, x, false);
        long t2 = System.nanoTime();
        Npy.write(out, o.patchTokens().reshape(o.gridH(), o.gridW(), c.embedDim()));
        report(o.gridH(), o.gridW(), c.embedDim(), t0, t1, t2);
        return 0;
    }

    private int withoutNd4j(Checkpoints.FloatModel m, Preprocessor.ResizePolicy policy, long t0) throws Exception {
        threads = threadsOption.count();
        ViTConfig c = m.config();
        describe(CheckpointFormat.JVIT, c);
        Preprocessor.Pixels x = pixels(c, policy);
        long t1 = System.nanoTime();
        FastViT.Result o = new FastViT(c, m.weights(), threads).run(x.data(), 1, x.height(), x.width(), false);
        long t2 = System.nanoTime();
        Npy.write(out, o.patchTokens(), o.gridH(), o.gridW(), c.embedDim());
        report(o.gridH(), o.gridW(), c.embedDim(), t0, t1, t2);
        return 0;
    }

    private static void describe(CheckpointFormat format, ViTConfig c) {
        System.err.printf("model: %s naming, width %d, depth %d, %d heads, patch %d, %d registers, PE %s%n",
                format, c.embedDim(), c.depth(), c.numHeads(), c.patchSize(), c.numRegisters(), c.pe().name());
    }

    /** The image, normalised and fitted to the patch size; a problem with it names the file. */
    private Preprocessor.Pixels pixels(ViTConfig c, Preprocessor.ResizePolicy policy) throws java.io.IOException {
        Image img = ImageLoader.read(image);
        try {
            return new Preprocessor(c.patchSize(), policy).pixels(java.util.List.of(img));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(image + ": " + e.getMessage(), e);
        }
    }

    private void report(int gh, int gw, int channels, long t0, long t1, long t2) {
        System.err.printf("features: %d×%d patches × %d channels → %s (load %.1f s, forward %.1f s)%n",
                gh, gw, channels, out, (t1 - t0) / 1e9, (t2 - t1) / 1e9);
    }
}
