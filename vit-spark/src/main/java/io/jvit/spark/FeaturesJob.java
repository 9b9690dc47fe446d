package io.jvit.spark;

import io.jvit.core.Backbone;
import io.jvit.core.Engine;
import io.jvit.core.Features;
import io.jvit.core.image.ImagePages;
import io.jvit.core.image.Preprocessor;
import io.jvit.core.io.AtomicFiles;
import io.jvit.core.io.BadInputException;
import io.jvit.core.io.Npy;
import io.jvit.core.pe.Pe;
import io.jvit.probe.FeatureMap;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code ./vit spark features}: final-normed patch features (h, w, C) of every image (every page of a stack) of a
 * folder, one {@code .npy} each, named as {@code ./vit features --image DIR --out OUT} names them ({@code NAME.npy},
 * {@code NAME_p003.npy}), computed by the same engine ({@link Backbone#features}, the fast engine).
 */
@Command(
        name = "features",
        mixinStandardHelpOptions = true,
        description =
                "Patch features (h, w, C) of every image of a folder on Spark, one .npy each (as ./vit features).")
public final class FeaturesJob implements Callable<Integer> {

    @Mixin
    JobOptions job;

    @Option(
            names = {"-w", "--weights"},
            required = true,
            paramLabel = "FILE",
            description = ".pth or .safetensors checkpoint")
    Path weights;

    @Option(names = "--pe", paramLabel = "KIND", description = "positional encoding (default: the checkpoint's)")
    String pe;

    @Option(names = "--arch", paramLabel = "NAME", description = "preset the checkpoint must fit (default: inferred)")
    String arch;

    @Option(
            names = "--resize",
            defaultValue = "none",
            paramLabel = "POLICY",
            description = "none (crop to a multiple of the patch size) or closest (default ${DEFAULT-VALUE})")
    String resize;

    @Option(
            names = "--pca",
            defaultValue = "0",
            paramLabel = "K",
            description = "K principal components per patch instead of every channel, with a basis fitted on a sample")
    int pca;

    @Option(
            names = "--pca-sample",
            defaultValue = "16",
            paramLabel = "N",
            description = "images of the PCA sample, evenly spaced over the folder (default ${DEFAULT-VALUE})")
    int pcaSample;

    @Option(
            names = "--parquet",
            description =
                    "one Parquet table OUT/features.parquet (path, page, h, w, channels, features) instead of .npy")
    boolean parquet;

    @Override
    public Integer call() throws Exception {
        job.check();
        if (!Files.isRegularFile(weights)) throw new BadInputException(weights, "no such file");
        Pe.parse(pe);
        policy(resize);
        List<ImageUnit> units = ImageJob.plan(job.images);
        ImageJob.requireDistinctStems(units);
        Work work = new Work(
                weights.toAbsolutePath().toString(),
                pe,
                arch,
                resize,
                job.threads,
                job.out.toAbsolutePath().toString(),
                null);
        if (pca < 0 || pcaSample < 1)
            throw new IllegalArgumentException(
                    "--pca must be >= 0 and --pca-sample >= 1, got " + pca + ", " + pcaSample);
        if (pca > 0 && (parquet || job.resume))
            throw new IllegalArgumentException("--pca writes .npy files in one run: not with --parquet or --resume");
        try (SparkRun spark = SparkRun.start(job.master, "jvit features")) { // one session for both passes
            if (pca > 0) {
                work = work.withPca(PcaSample.fit(spark, units, work, pca, pcaSample));
                System.err.printf(
                        "PCA: %d components fitted on a sample of %d images%n", pca, Math.min(pcaSample, units.size()));
            }
            if (parquet) {
                FeaturesParquet.run(job, units, work);
                return 0;
            }
            ImageJob.Outcome outcome = ImageJob.run("jvit features", job, units, work);
            System.err.println(outcome.describe("featurised") + " → " + job.out);
        }
        return 0;
    }

    static Preprocessor.ResizePolicy policy(String resize) {
        return switch (resize.toLowerCase(Locale.ROOT)) {
            case "none" -> Preprocessor.ResizePolicy.NONE;
            case "closest" -> Preprocessor.ResizePolicy.CLOSEST_LOWER_MULTIPLE;
            default -> throw new IllegalArgumentException("--resize must be none or closest, got '" + resize + "'");
        };
    }

    /** The work on one file: each page's features, each into its own .npy. */
    record Work(String weights, String pe, String arch, String resize, int threads, String out, PcaSample.Basis pca)
            implements ImageWork {

        Work withPca(PcaSample.Basis basis) {
            return new Work(weights, pe, arch, resize, threads, out, basis);
        }

        @Override
        public List<Path> outputs(ImageUnit u) throws Exception {
            List<Path> files = new ArrayList<>();
            for (ImagePages.Page p : ImagePages.list(u.file()))
                files.add(Path.of(out).resolve(ImagePages.outputName(p, ".npy")));
            return files;
        }

        /** This JVM's model for these options (see {@link ModelCache}). */
        ModelCache.Lease<Backbone> borrow() throws Exception {
            String key = String.join("|", "features", weights, String.valueOf(pe), String.valueOf(arch), resize)
                    + "|threads=" + threads;
            return ModelCache.borrow(key, this::load);
        }

        @Override
        public void write(ImageUnit u) throws Exception {
            try (ModelCache.Lease<Backbone> lease = borrow()) {
                for (ImagePages.Page p : ImagePages.list(u.file())) {
                    Features f = lease.model().features(ImagePages.read(p));
                    float[] data = pca == null
                            ? f.data()
                            : pca.basis().project(new FeatureMap(f.data(), f.h(), f.w(), f.channels()));
                    int c = pca == null ? f.channels() : pca.components().length;
                    AtomicFiles.write(
                            Path.of(out).resolve(ImagePages.outputName(p, ".npy")), Npy.writer(data, f.h(), f.w(), c));
                }
            }
        }

        /** As {@code ./vit features} loads it: the fast engine, on float arrays for our own .safetensors. */
        private Backbone load() {
            Backbone.Options o = Backbone.options()
                    .engine(Engine.FAST)
                    .threads(threads)
                    .resize(policy(resize))
                    .pe(Pe.parse(pe));
            return (arch == null ? o : o.arch(arch)).load(Path.of(weights));
        }

        @Override
        public String summarise(ImageUnit u) {
            return "";
        }
    }
}
