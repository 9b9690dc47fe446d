package io.jvit.spark;

import io.jvit.core.checkpoint.Checkpoints;
import io.jvit.core.fast.FastViT;
import io.jvit.core.image.ImagePages;
import io.jvit.core.io.AtomicFiles;
import io.jvit.core.io.BadInputException;
import io.jvit.core.pe.Pe;
import io.jvit.segment.DenseCrf;
import io.jvit.segment.LabelFiles;
import io.jvit.segment.LabelImage;
import io.jvit.segment.Segmenter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code ./vit spark segment}: a saved segmenter applied to every image of a folder, each into the file that
 * {@code ./vit segment --load-model M.json --apply-to DIR} writes ({@code OUT/<stem>_segmented.png}, a multi-page
 * TIFF for a stack), with the same library calls ({@link LabelFiles}); plus {@code fractions.csv}, each class's share
 * of each image's pixels.
 */
@Command(
        name = "segment",
        mixinStandardHelpOptions = true,
        description = "Apply a saved segmenter to every image of a folder on Spark (as ./vit segment --apply-to).")
public final class SegmentJob implements Callable<Integer> {

    @Mixin
    JobOptions job;

    @Option(names = "--load-model", required = true, paramLabel = "M.json", description = "a saved segmenter")
    Path model;

    @Option(
            names = {"-w", "--weights"},
            paramLabel = "FILE",
            description = "the ViT checkpoint it was trained with (segmenters on ViT features)")
    Path weights;

    @Option(names = "--pe", paramLabel = "KIND", description = "positional encoding of the model (e.g. alibi)")
    String pe;

    @Option(
            names = "--crf",
            negatable = true,
            defaultValue = "false",
            fallbackValue = "true",
            description = "refine with the dense CRF, with ./vit segment's default parameters (default off, as there)")
    boolean crf;

    @Override
    public Integer call() throws Exception {
        job.check();
        // everything the driver can check, before Spark starts: the model (small), the weights' presence, the folder
        Segmenter seg = Segmenter.load(model, 1);
        seg.requireVit(model, weights, 0); // the ViT's width is checked where it is loaded, on the executors
        if (weights != null && !Files.isRegularFile(weights)) throw new BadInputException(weights, "no such file");
        Pe.parse(pe);
        List<ImageUnit> units = ImageJob.plan(job.images);
        ImageJob.requireDistinctStems(units);
        Work work = new Work(
                model.toAbsolutePath().toString(),
                weights == null ? null : weights.toAbsolutePath().toString(),
                pe,
                crf,
                job.threads,
                job.out.toAbsolutePath().toString(),
                seg.classValues());
        ImageJob.Outcome outcome = ImageJob.run("jvit segment", job, units, work);
        List<List<String>> rows = new ArrayList<>();
        for (UnitResult r : outcome.done()) {
            List<String> row = new ArrayList<>(List.of(r.path()));
            row.addAll(Arrays.asList(r.summary().split(",")));
            rows.add(row);
        }
        List<String> header = new ArrayList<>(List.of("path"));
        for (int v : seg.classValues()) header.add("fraction_" + v);
        Csv.write(job.out.resolve("fractions.csv"), header, rows);
        System.err.println(outcome.describe("segmented") + " → " + job.out);
        return 0;
    }

    /** The work on one image: load (or borrow) the pipeline, segment, write the label file; fractions from it. */
    record Work(String model, String weights, String pe, boolean crf, int threads, String out, int[] classValues)
            implements ImageWork {

        @Override
        public List<Path> outputs(ImageUnit u) throws Exception {
            return List.of(target(u, ImagePages.list(u.file()).size()));
        }

        private Path target(ImageUnit u, int pages) {
            return Path.of(out).resolve(LabelFiles.targetName(u.file(), pages));
        }

        @Override
        public void write(ImageUnit u) throws Exception {
            List<ImagePages.Page> pages = ImagePages.list(u.file());
            try (ModelCache.Lease<LabelFiles.Pipeline> lease = ModelCache.borrow(key(), this::load)) {
                AtomicFiles.write(target(u, pages.size()), LabelFiles.writer(lease.model(), pages, () -> {}));
            }
        }

        String key() {
            return String.join("|", "segment", model, String.valueOf(weights), String.valueOf(pe), "crf=" + crf)
                    + "|threads=" + threads;
        }

        /** As {@code ./vit segment --load-model} builds it: the segmenter, the ViT on ND4J's weights, the CRF. */
        private LabelFiles.Pipeline load() throws Exception {
            Segmenter seg = Segmenter.load(Path.of(model), threads);
            FastViT vit = weights == null
                    ? null
                    : new FastViT(
                            Checkpoints.load(Path.of(weights), Pe.parse(pe), null, false)
                                    .model(),
                            threads);
            seg.requireVit(
                    Path.of(model),
                    vit == null ? null : Path.of(weights),
                    vit == null ? 0 : vit.model().config().embedDim());
            return new LabelFiles.Pipeline(seg, vit, crf ? DenseCrf.Params.DEFAULT : null, threads);
        }

        /** Each class's fraction of the pixels (of every page of a stack), from the label file. */
        @Override
        public String summarise(ImageUnit u) throws Exception {
            Path target = outputs(u).get(0);
            long[] counts = new long[classValues.length];
            long total = 0;
            for (ImagePages.Page p : ImagePages.list(target)) {
                LabelImage l = LabelImage.of(ImagePages.read(p), target.toString());
                for (int v : l.values()) {
                    int k = Arrays.binarySearch(classValues, v);
                    if (k >= 0) counts[k]++;
                }
                total += l.values().length;
            }
            StringBuilder b = new StringBuilder();
            for (int k = 0; k < counts.length; k++)
                b.append(k == 0 ? "" : ",").append(String.format(Locale.ROOT, "%.6f", counts[k] / (double) total));
            return b.toString();
        }
    }
}
