package io.jvit.cli;

import io.jvit.core.Backbone;
import io.jvit.core.Engine;
import io.jvit.core.checkpoint.CheckpointFormat;
import io.jvit.core.checkpoint.Checkpoints;
import io.jvit.core.config.ViTConfig;
import io.jvit.core.fast.FastViT;
import io.jvit.core.image.Image;
import io.jvit.core.image.ImageLoader;
import io.jvit.core.image.ImagePages;
import io.jvit.core.image.Preprocessor;
import io.jvit.core.io.Npy;
import io.jvit.core.io.StagedWrites;
import io.jvit.core.model.ViTOutput;
import io.jvit.core.pe.Pe;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import me.tongfei.progressbar.ProgressBar;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code ./vit features}: final-LayerNorm'd patch tokens as float32 (h, w, C) .npy files: of one image, or of every
 * image (and every page of a multi-page TIFF) of a folder, one file each, batched by size ({@link FeatureJobs}).
 */
@Command(
        name = "features",
        mixinStandardHelpOptions = true,
        description = "Write the patch features (h, w, C) of an image, or of each image of a folder, to .npy files.")
final class FeaturesCommand implements Callable<Integer> {

    @Option(
            names = {"-w", "--weights"},
            required = true,
            paramLabel = "FILE",
            description =
                    ".pth or .safetensors checkpoint (DINOv2 hub, timm, HF transformers or jvit naming; detected)")
    Path weights;

    @Option(
            names = {"-i", "--image"},
            required = true,
            paramLabel = "FILE|FOLDER",
            description = "PNG, JPEG or TIFF image, or a folder of them; a multi-page TIFF gives one output per page")
    Path image;

    @Option(
            names = {"-o", "--out"},
            required = true,
            paramLabel = "FILE.npy|FOLDER",
            description = "output .npy (float32, C order) for one image; for a folder or a multi-page TIFF, the folder "
                    + "that gets NAME.npy per image and NAME_p001.npy … per page")
    Path out;

    @Option(
            names = "--batch",
            paramLabel = "N",
            defaultValue = "8",
            description =
                    "images of one size per forward pass, for a folder (default ${DEFAULT-VALUE}; memory grows with it)")
    int batch;

    @Option(
            names = "--pe",
            paramLabel = "KIND",
            description = "positional encoding: learned, alibi, sincos, rope or none (default: the checkpoint's)")
    String pe;

    @Option(
            names = "--arch",
            paramLabel = "NAME",
            description = "preset the checkpoint must fit, e.g. dinov2_vits14_reg4 (default: inferred)")
    String arch;

    @Option(
            names = "--resize",
            paramLabel = "POLICY",
            defaultValue = "none",
            description =
                    "none (crop to a multiple of the patch size) or closest (bilinear to the closest lower multiple); default ${DEFAULT-VALUE}")
    String resize;

    @Option(
            names = "--engine",
            paramLabel = "ENGINE",
            defaultValue = "fast",
            description =
                    "fast (fused attention kernel + BLAS, O(N·C) memory) or samediff (the autodiff graph); default ${DEFAULT-VALUE}")
    String engine;

    @Mixin
    ThreadsOption threadsOption;

    @Mixin
    NonFiniteOption nonFinite;

    /** A forward pass: normalised pixels (B, 3, H, W) to final-normed patch tokens (B, h, w, C), row-major. */
    private interface Forward {
        float[] patchTokens(Preprocessor.Pixels x);
    }

    @Override
    public Integer call() throws Exception {
        Preprocessor.ResizePolicy policy = switch (resize.toLowerCase(Locale.ROOT)) {
            case "none" -> Preprocessor.ResizePolicy.NONE;
            case "closest" -> Preprocessor.ResizePolicy.CLOSEST_LOWER_MULTIPLE;
            default -> throw new IllegalArgumentException("--resize must be none or closest, got '" + resize + "'");
        };
        boolean many = Files.isDirectory(image) || pages(image) > 1;
        if (!many && !out.getFileName().toString().endsWith(".npy"))
            throw new IllegalArgumentException(out + ": output must end in .npy");
        if (many && (out.getFileName().toString().endsWith(".npy") || Files.isRegularFile(out)))
            throw new IllegalArgumentException(
                    out + ": the output of " + (Files.isDirectory(image) ? "a folder" : "a multi-page image")
                            + " is a folder (one .npy per image or page)");
        long t0 = System.nanoTime();
        // our own .safetensors on the fast engine: float arrays end to end, ND4J (and its natives) never loaded
        Engine eng = Flags.parse("--engine", engine, Engine::parse);
        Pe p = Pe.parse(pe);
        Checkpoints.FloatModel floats =
                eng != Engine.FAST ? null : Checkpoints.loadFloats(weights, p, arch, nonFinite.allow);
        ViTConfig c;
        Forward forward;
        if (floats != null) {
            c = floats.config();
            describe(CheckpointFormat.JVIT, c);
            FastViT fast = new FastViT(c, floats.weights(), threadsOption.count());
            forward = x ->
                    fast.run(x.data(), x.batch(), x.height(), x.width(), false).patchTokens();
        } else {
            int threads = threadsOption.configure();
            Checkpoints.Loaded loaded = Checkpoints.load(weights, p, arch, nonFinite.allow);
            c = loaded.model().config();
            describe(loaded.format(), c);
            loaded.notes().forEach(n -> System.err.println("note: " + n));
            Backbone model = Backbone.options().engine(eng).threads(threads).wrap(loaded.model());
            forward = x -> {
                INDArray in = Nd4j.create(x.data(), new long[] {x.batch(), 3, x.height(), x.width()});
                ViTOutput o = model.forward(in, false);
                return o.patchTokens().castTo(DataType.FLOAT).dup('c').data().asFloat();
            };
        }
        Preprocessor pre = new Preprocessor(c.patchSize(), policy);
        if (!many) {
            Preprocessor.Pixels px = pixels(pre, List.of(ImageLoader.read(image)), image.toString());
            long t1 = System.nanoTime();
            float[] tokens = forward.patchTokens(px);
            long t2 = System.nanoTime();
            int gh = px.height() / c.patchSize(), gw = px.width() / c.patchSize();
            Npy.write(out, tokens, gh, gw, c.embedDim());
            System.err.printf(
                    "features: %d×%d patches × %d channels → %s (load %.1f s, forward %.1f s)%n",
                    gh, gw, c.embedDim(), out, (t1 - t0) / 1e9, (t2 - t1) / 1e9);
            return 0;
        }
        List<List<FeatureJobs.Job>> batches = FeatureJobs.plan(image, out, c.patchSize(), batch);
        int total = batches.stream().mapToInt(List::size).sum();
        long t1 = System.nanoTime(), forwardNanos = 0;
        // staged and committed together: a page that cannot be decoded half-way through leaves no .npy behind
        try (StagedWrites writes = new StagedWrites();
                ProgressBar bar = Progress.bar("features", total)) {
            for (List<FeatureJobs.Job> jobs : batches) {
                List<Image> images = new ArrayList<>();
                for (FeatureJobs.Job j : jobs) images.add(ImagePages.read(j.page()));
                Preprocessor.Pixels px = pixels(pre, images, jobs.get(0).page().describe());
                long f0 = System.nanoTime();
                float[] tokens = forward.patchTokens(px);
                forwardNanos += System.nanoTime() - f0;
                int gh = px.height() / c.patchSize(), gw = px.width() / c.patchSize(), each = gh * gw * c.embedDim();
                for (int b = 0; b < jobs.size(); b++)
                    writes.write(
                            jobs.get(b).out(),
                            Npy.writer(
                                    java.util.Arrays.copyOfRange(tokens, b * each, (b + 1) * each),
                                    gh,
                                    gw,
                                    c.embedDim()));
                bar.stepBy(jobs.size());
            }
            writes.commit();
        }
        System.err.printf(
                "features: %d images in %d batch%s → %s (load %.1f s, images and forward %.1f s, of which forward %.1f s)%n",
                total,
                batches.size(),
                batches.size() == 1 ? "" : "es",
                out,
                (t1 - t0) / 1e9,
                (System.nanoTime() - t1) / 1e9,
                forwardNanos / 1e9);
        return 0;
    }

    /** Pages of a .tif/.tiff (from its header); 1 for any other file, which is read as a single image. */
    private static int pages(Path file) throws java.io.IOException {
        String n = file.getFileName().toString().toLowerCase(Locale.ROOT);
        if (!Files.isRegularFile(file) || !(n.endsWith(".tif") || n.endsWith(".tiff"))) return 1;
        return ImagePages.list(file).size();
    }

    private static void describe(CheckpointFormat format, ViTConfig c) {
        System.err.printf(
                "model: %s naming, width %d, depth %d, %d heads, patch %d, %d registers, PE %s%n",
                format, c.embedDim(), c.depth(), c.numHeads(), c.patchSize(), c.numRegisters(), c.pe().name());
    }

    /** Images of one size, normalised and fitted to the patch size; a problem with them names the file. */
    private static Preprocessor.Pixels pixels(Preprocessor pre, List<Image> images, String name) {
        try {
            return pre.pixels(images);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(name + ": " + e.getMessage(), e);
        }
    }
}
