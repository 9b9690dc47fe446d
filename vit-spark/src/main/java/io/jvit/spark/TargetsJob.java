package io.jvit.spark;

import io.jvit.core.checkpoint.Checkpoints;
import io.jvit.core.fast.FastViT;
import io.jvit.core.image.Preprocessor;
import io.jvit.core.io.AtomicFiles;
import io.jvit.core.io.BadInputException;
import io.jvit.core.io.Npy;
import io.jvit.core.pe.Pe;
import io.jvit.train.retrofit.TeacherTargets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code ./vit spark targets}: a teacher's final-normed patch tokens for a retrofit, {@code OUT/<stem>.npy} (grid,
 * grid, C) per image, of exactly the pixels {@code ./vit retrofit --size S} feeds the teacher
 * ({@link TeacherTargets#input}); {@code ./vit retrofit --targets OUT} then reads them instead of running the teacher.
 */
@Command(
        name = "targets",
        mixinStandardHelpOptions = true,
        description = "A teacher's patch tokens of every image of a folder on Spark, for ./vit retrofit --targets.")
public final class TargetsJob implements Callable<Integer> {

    @Mixin
    JobOptions job;

    @Option(names = "--teacher", required = true, paramLabel = "FILE", description = "teacher checkpoint")
    Path teacher;

    @Option(
            names = "--teacher-pe",
            paramLabel = "KIND",
            description = "the teacher's positional encoding (default: the checkpoint's)")
    String teacherPe;

    @Option(
            names = "--size",
            defaultValue = "224",
            description = "training image side of the retrofit (its --size; default ${DEFAULT-VALUE})")
    int size;

    @Override
    public Integer call() throws Exception {
        job.check();
        if (!Files.isRegularFile(teacher)) throw new BadInputException(teacher, "no such file");
        if (size < 1) throw new IllegalArgumentException("--size must be positive, got " + size);
        Pe.parse(teacherPe);
        List<ImageUnit> units = ImageJob.plan(job.images);
        ImageJob.requireDistinctStems(units);
        Work work = new Work(
                teacher.toAbsolutePath().toString(),
                teacherPe,
                size,
                job.threads,
                job.out.toAbsolutePath().toString());
        ImageJob.Outcome outcome = ImageJob.run("jvit targets", job, units, work);
        System.err.println(outcome.describe("computed targets of") + " → " + job.out);
        return 0;
    }

    /** The work on one image: the teacher's tokens of the retrofit's pixels. */
    record Work(String teacher, String pe, int size, int threads, String out) implements ImageWork {

        @Override
        public List<Path> outputs(ImageUnit u) {
            return List.of(Path.of(out).resolve(TeacherTargets.fileName(u.file())));
        }

        @Override
        public void write(ImageUnit u) throws Exception {
            String key = String.join("|", "targets", teacher, String.valueOf(pe)) + "|threads=" + threads;
            try (ModelCache.Lease<FastViT> lease = ModelCache.borrow(key, this::load)) {
                FastViT t = lease.model();
                int p = t.model().config().patchSize(),
                        grid = size / p,
                        dim = t.model().config().embedDim();
                if (grid < 1) throw new IllegalArgumentException("--size " + size + " is smaller than a patch");
                Preprocessor.Pixels px = TeacherTargets.input(u.file(), size, grid * p);
                float[] tokens = t.run(px.data(), px.batch(), px.height(), px.width(), false)
                        .patchTokens();
                AtomicFiles.write(outputs(u).get(0), Npy.writer(tokens, grid, grid, dim));
            }
        }

        /** As {@code ./vit retrofit} loads the teacher and its fast distiller runs it. */
        private FastViT load() {
            return new FastViT(
                    Checkpoints.load(Path.of(teacher), Pe.parse(pe), null, false)
                            .model(),
                    threads);
        }

        @Override
        public String summarise(ImageUnit u) {
            return "";
        }
    }
}
