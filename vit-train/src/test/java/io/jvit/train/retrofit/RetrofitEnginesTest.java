package io.jvit.train.retrofit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.jvit.core.Engine;
import io.jvit.core.model.VisionTransformer;
import io.jvit.core.pe.Alibi2d;
import io.jvit.core.pe.AlibiDistance;
import io.jvit.core.pe.AlibiSlopes;
import io.jvit.train.engine.FeatureLoss;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The retrofit job on both engines: one job, the same losses, files either engine resumes. */
class RetrofitEnginesTest {
    @TempDir
    Path dir;

    static final Alibi2d LEARNED = new Alibi2d(AlibiDistance.Metric.EUCLIDEAN, true, true, AlibiSlopes.LEARNED);

    /** 8 noise images of 16×14 px (resized to 12² by the job): 6 train (2 batches of 3), 2 validation. */
    static Path images(Path dir) throws IOException {
        Path d = Files.createDirectories(dir.resolve("imgs"));
        Random r = new Random(11);
        for (int i = 0; i < 8; i++) {
            BufferedImage im = new BufferedImage(14, 16, BufferedImage.TYPE_INT_RGB);
            for (int y = 0; y < 16; y++) for (int x = 0; x < 14; x++) im.setRGB(x, y, r.nextInt(1 << 24));
            ImageIO.write(im, "png", d.resolve("im" + i + ".png").toFile());
        }
        return d;
    }

    static Retrofit.Options options(Engine e, boolean recompute, int epochs) {
        return new Retrofit.Options(
                LEARNED,
                FeatureLoss.COSINE,
                3e-3,
                0.05,
                3,
                epochs,
                12,
                new int[] {5},
                0.25,
                7,
                1,
                false,
                2,
                e,
                recompute);
    }

    /** Every step's loss, in order. */
    static List<Double> run(VisionTransformer t, ImageSet data, Retrofit.Options o, Path out, Path resume)
            throws IOException {
        List<Double> losses = new ArrayList<>();
        Retrofit.run(t, null, data, o, out, resume, new Retrofit.Listener() {
            @Override
            public void step(int epoch, int step, int steps, double loss) {
                losses.add(loss);
            }

            @Override
            public void epoch(Retrofit.Epoch e) {}
        });
        return losses;
    }

    @Test
    void bothEnginesFollowTheSameLossTrajectory() throws IOException {
        VisionTransformer t = FastDistillerTest.teacher();
        ImageSet data = new ImageSet(images(dir), 12, 0.25, 7);
        List<Double> fast = run(t, data, options(Engine.FAST, false, 3), dir.resolve("fast"), null);
        List<Double> sameDiff = run(t, data, options(Engine.SAMEDIFF, false, 3), dir.resolve("samediff"), null);
        List<Double> recompute = run(t, data, options(Engine.FAST, true, 3), dir.resolve("recompute"), null);
        assertThat(fast).hasSize(6);
        assertThat(fast.get(5)).isLessThan(fast.get(0));
        for (int i = 0; i < fast.size(); i++) {
            assertThat(fast.get(i)).as("step %d", i).isCloseTo(sameDiff.get(i), within(1e-4));
            assertThat(recompute.get(i)).as("step %d", i).isCloseTo(fast.get(i), within(1e-6));
        }
        List<String> a = Files.readAllLines(dir.resolve("fast").resolve(Retrofit.METRICS)),
                b = Files.readAllLines(dir.resolve("samediff").resolve(Retrofit.METRICS));
        assertThat(a).hasSize(4).first().isEqualTo(b.get(0));
        for (int r = 1; r < 4; r++) {
            String[] x = a.get(r).split(","), y = b.get(r).split(",");
            assertThat(Double.parseDouble(x[2]))
                    .as("val loss, epoch %d", r - 1)
                    .isCloseTo(Double.parseDouble(y[2]), within(1e-4));
            assertThat(x[5]).isEqualTo(y[5]); // the same epochs were best
        }
    }

    /** A run started on one engine continues on the other from last.state.safetensors as if it had never stopped. */
    @Test
    void aRunResumesOnTheOtherEngine() throws IOException {
        VisionTransformer t = FastDistillerTest.teacher();
        ImageSet data = new ImageSet(images(dir), 12, 0.25, 7);
        List<Double> straight = run(t, data, options(Engine.FAST, false, 3), dir.resolve("straight"), null);
        Path out = dir.resolve("mixed");
        List<Double> first = run(t, data, options(Engine.SAMEDIFF, false, 1), out, null);
        List<Double> rest = run(t, data, options(Engine.FAST, false, 2), out, out.resolve(Retrofit.STATE));
        List<Double> last = run(t, data, options(Engine.SAMEDIFF, false, 3), out, out.resolve(Retrofit.STATE));
        List<Double> mixed = new ArrayList<>(first);
        mixed.addAll(rest);
        mixed.addAll(last);
        assertThat(mixed).hasSize(straight.size());
        for (int i = 0; i < mixed.size(); i++)
            assertThat(mixed.get(i)).as("step %d", i).isCloseTo(straight.get(i), within(1e-4));
        assertThat(Files.readAllLines(out.resolve(Retrofit.METRICS))).hasSize(4);
    }

    @Test
    void recomputeIsForTheFastEngine() {
        assertThatThrownBy(() -> options(Engine.SAMEDIFF, true, 1)).hasMessageContaining("recompute needs Engine.FAST");
        assertThatThrownBy(() -> Engine.parse("bogus")).hasMessage("engine must be fast or samediff, got 'bogus'");
        assertThat(Engine.parse("SameDiff")).isEqualTo(Engine.SAMEDIFF);
    }
}
