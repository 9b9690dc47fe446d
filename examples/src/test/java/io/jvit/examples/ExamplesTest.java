package io.jvit.examples;

import static io.jvit.examples.ExampleImages.fixture;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.jvit.core.Features;
import io.jvit.core.checkpoint.Checkpoints;
import io.jvit.core.config.ViTConfig;
import io.jvit.core.fast.FastViT;
import io.jvit.core.image.ImageLoader;
import io.jvit.core.image.Preprocessor;
import io.jvit.core.io.Npy;
import io.jvit.core.pe.Alibi2d;
import io.jvit.core.pe.Pe;
import io.jvit.probe.BiasProbe;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;

/** Each example on tiny inputs: what it writes and returns. */
class ExamplesTest {
    private static final String ALIBI = "alibi_timm_w128_reg4_d2.pth", TIMM = "timm_w128_reg4_d2.pth";

    @Test
    void buildModelWritesTheConfiguredModelAndItsFeaturesAreTheFastEngines(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("tiny.safetensors");
        Features f = BuildModel.run(out, fixture("rocket_224.png"));
        Checkpoints.FloatModel m = Checkpoints.loadFloats(out, Pe.AS_TRAINED);
        ViTConfig c = m.config();
        assertThat(List.of(c.patchSize(), c.embedDim(), c.numHeads(), c.depth(), c.numRegisters(), c.mlpHidden()))
                .containsExactly(8, 96, 2, 4, 4, 384);
        assertThat(c.pe()).isEqualTo(Alibi2d.paperDefault());
        assertThat(List.of(f.h(), f.w(), f.channels())).containsExactly(28, 28, 96);
        Preprocessor.Pixels px = new Preprocessor(8, Preprocessor.ResizePolicy.NONE)
                .pixels(List.of(ImageLoader.read(fixture("rocket_224.png"))));
        assertThat(f.data())
                .containsExactly(new FastViT(c, m.weights(), 1)
                        .run(px.data(), 1, 224, 224, false)
                        .patchTokens());
    }

    @Test
    void folderFeaturesWritesOneNpyPerImageEqualToTheReference(@TempDir Path dir) throws Exception {
        List<Path> written =
                FolderFeatures.run(fixture(ALIBI), Pe.ALIBI, ExampleImages.folder(dir), dir.resolve("out"));
        assertThat(written).containsExactly(dir.resolve("out/chelsea_280x420.npy"), dir.resolve("out/rocket_224.npy"));
        for (String image : new String[] {"chelsea_280x420", "rocket_224"}) {
            INDArray got = Npy.read(dir.resolve("out/" + image + ".npy"));
            INDArray want =
                    Npy.read(fixture("alibi_timm_d2__" + image + ".npy")); // PyTorch's, (1, h·w, C) or (h, w, C)
            assertThat(got.shape())
                    .containsExactly(image.startsWith("rocket") ? new long[] {16, 16, 128} : new long[] {20, 30, 128});
            assertThat(got.reshape(want.shape()).sub(want).amaxNumber().doubleValue())
                    .isLessThan(1e-4);
        }
    }

    @Test
    void probeFolderGivesOneR2PerImageAndMask(@TempDir Path dir) throws Exception {
        Path images = ExampleImages.folder(dir);
        BiasProbe.Result learned = ProbeFolder.run(fixture(TIMM), Pe.AS_TRAINED, images, 2);
        BiasProbe.Result alibi = ProbeFolder.run(fixture(ALIBI), Pe.ALIBI, images, 2);
        System.out.printf(
                "example probe R²: learned %.3f ± %.3f, ALiBi %.3f ± %.3f%n",
                learned.mean(), learned.std(), alibi.mean(), alibi.std());
        assertThat(learned.values()).hasSize(12);
        assertThat(alibi.values()).hasSize(12);
        double mean = 0;
        for (double v : learned.values()) mean += v / 12;
        assertThat(learned.mean()).isCloseTo(mean, within(1e-12));
        assertThat(learned.mean())
                .as("learned PE is more positional than ALiBi")
                .isGreaterThan(alibi.mean());
    }

    @Test
    void finetuneLowersTheDistillationLossAndSavesAnAlibiStudent(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("student.safetensors");
        double[] losses = Finetune.run(fixture(TIMM), ExampleImages.folder(dir), out, 3, 56, 1e-4);
        System.out.printf("example finetune losses: %s%n", java.util.Arrays.toString(losses));
        assertThat(losses).hasSize(3);
        assertThat(losses[0]).isPositive();
        assertThat(losses[2]).isLessThan(losses[0]);
        var student = Checkpoints.load(out).model();
        assertThat(student.config().pe()).isEqualTo(Alibi2d.paperDefault());
        assertThat(student.weights().has("pos_embed")).isFalse();
    }
}
