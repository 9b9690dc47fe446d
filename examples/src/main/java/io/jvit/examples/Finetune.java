package io.jvit.examples;

import io.jvit.core.Backbone;
import io.jvit.core.image.ImageLoader;
import io.jvit.core.model.VisionTransformer;
import io.jvit.core.pe.Alibi2d;
import io.jvit.train.engine.FeatureLoss;
import io.jvit.train.optim.AdamW;
import io.jvit.train.retrofit.FastDistiller;
import io.jvit.train.retrofit.ImageSet;
import io.jvit.train.retrofit.Students;
import java.nio.file.Path;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The paper's ALiBi retrofit in a few steps: the student is the teacher with its positional encoding replaced by 2D
 * ALiBi, trained (AdamW) to give the teacher's final patch features on a folder of images. {@code ./vit retrofit} is the
 * full job (validation split, epochs, resumable state).
 *
 * <pre>java io.jvit.examples.Finetune TEACHER IMAGES_DIR OUT.safetensors [STEPS] [SIZE]</pre>
 */
public final class Finetune {
    private Finetune() {}

    public static void main(String[] args) throws Exception {
        int steps = args.length > 3 ? Integer.parseInt(args[3]) : 10,
                size = args.length > 4 ? Integer.parseInt(args[4]) : 224;
        double[] losses = run(
                Path.of(args[0]), Path.of(args[1]), Path.of(args[2]), steps, size, 1e-4); // ./vit retrofit's default lr
        for (int i = 0; i < losses.length; i++) System.out.printf("step %d: cosine loss %.5f%n", i, losses[i]);
    }

    /** Trains for {@code steps} steps on every image of the folder (size × size centre crops); returns each step's loss. */
    static double[] run(Path teacherFile, Path images, Path out, int steps, int size, double lr) throws Exception {
        VisionTransformer teacher = Backbone.load(teacherFile).model();
        VisionTransformer student = Students.of(teacher, Alibi2d.paperDefault());
        int grid = size / teacher.config().patchSize();
        var distiller = new FastDistiller(
                teacher,
                student,
                grid,
                grid,
                FeatureLoss.COSINE,
                new int[0],
                new AdamW(lr, 0.9, 0.999, 1e-8, 0.05),
                Runtime.getRuntime().availableProcessors());
        // ImageSet: short side to `size`, the centre crop, ImageNet-normalised; here every image in one batch
        INDArray batch = new ImageSet(images, size, 0.5, 0).batch(ImageLoader.listImages(images));
        if (batch == null) throw new IllegalArgumentException(images + ": no readable image");
        double[] losses = new double[steps];
        for (int s = 0; s < steps; s++) losses[s] = distiller.step(batch); // the loss before this step's update
        Backbone.of(distiller.student()).save(out);
        return losses;
    }
}
