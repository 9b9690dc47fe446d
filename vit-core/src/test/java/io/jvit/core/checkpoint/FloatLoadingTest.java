package io.jvit.core.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jvit.core.Fixtures;
import io.jvit.core.fast.FastViT;
import io.jvit.core.image.ImageLoader;
import io.jvit.core.image.Preprocessor;
import io.jvit.core.io.Npy;
import io.jvit.core.model.ViTWeights;
import io.jvit.core.model.VisionTransformer;
import io.jvit.core.pe.Alibi2d;
import io.jvit.core.pe.AlibiDistance;
import io.jvit.core.pe.AlibiSlopes;
import io.jvit.core.pe.Pe;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/** The ND4J-free path of {@code ./vit features}: our .safetensors as float arrays, FastViT.run, Npy of floats. */
class FloatLoadingTest {
    @TempDir
    Path dir;

    @Test
    void floatModelGivesTheSameFeaturesAsTheNd4jPath() throws Exception {
        var learnedSlopes = new Alibi2d(AlibiDistance.Metric.EUCLIDEAN, true, true, AlibiSlopes.LEARNED);
        VisionTransformer timm =
                Checkpoints.load(Fixtures.parity("timm_w128_reg4_d2.pth")).model();
        VisionTransformer alibi = new VisionTransformer(
                timm.config().withPe(learnedSlopes),
                ViTWeights.random(timm.config().withPe(learnedSlopes), 3, 0.5, DataType.FLOAT));
        var pre = new Preprocessor(14, Preprocessor.ResizePolicy.NONE);
        var img = ImageLoader.read(Fixtures.parity("chelsea_280x420.png"));
        for (VisionTransformer model :
                new VisionTransformer[] {timm, alibi}) { // learned PE (resampled to 20 × 30), learned ALiBi slopes
            Path f = dir.resolve(model.config().pe().name() + ".safetensors");
            Checkpoints.save(f, model);
            Checkpoints.FloatModel m = Checkpoints.loadFloats(f, Pe.AS_TRAINED);
            assertThat(m).isNotNull();
            assertThat(m.config()).isEqualTo(model.config());
            Preprocessor.Pixels x = pre.pixels(List.of(img));
            FastViT.Result r = new FastViT(m.config(), m.weights(), 2).run(x.data(), 1, x.height(), x.width(), false);
            INDArray want = new FastViT(model, 2).forward(pre.tensor(img)).patchTokens();
            assertThat(r.patchTokens()).containsExactly(want.dup('c').data().asFloat());
            Path npy = dir.resolve("f.npy");
            Npy.write(npy, r.patchTokens(), r.gridH(), r.gridW(), m.config().embedDim());
            assertThat(Npy.read(npy))
                    .isEqualTo(want.reshape(r.gridH(), r.gridW(), m.config().embedDim()));
        }
    }

    @Test
    void otherFilesAndPeChangesGoToTheGeneralLoader() throws Exception {
        assertThat(Checkpoints.loadFloats(Fixtures.parity("timm_w128_reg4_d2.pth"), Pe.AS_TRAINED))
                .as(".pth")
                .isNull();
        VisionTransformer m =
                Checkpoints.load(Fixtures.parity("timm_w128_reg4_d2.pth")).model();
        Path f = dir.resolve("m.safetensors");
        Checkpoints.save(f, m);
        assertThat(Checkpoints.loadFloats(f, Pe.ALIBI)).as("a different PE").isNull();
        assertThat(Checkpoints.loadFloats(f, Pe.LEARNED)).as("the same PE").isNotNull();
    }

    @Test
    void badFilesAreNamed() throws Exception {
        VisionTransformer m =
                Checkpoints.load(Fixtures.parity("timm_w128_reg4_d2.pth")).model();
        Path f = dir.resolve("m.safetensors");
        Checkpoints.save(f, m);
        assertThatThrownBy(() -> Checkpoints.loadFloats(f, Pe.AS_TRAINED, "dinov2_vits14_reg4"))
                .isInstanceOf(CheckpointException.class)
                .hasMessageContaining("m.safetensors")
                .hasMessageContaining("does not fit architecture");
        byte[] all = Files.readAllBytes(f);
        Path cut = dir.resolve("cut.safetensors");
        Files.write(cut, java.util.Arrays.copyOf(all, all.length - 1000));
        assertThatThrownBy(() -> Checkpoints.loadFloats(cut, Pe.AS_TRAINED))
                .isInstanceOf(CheckpointException.class)
                .hasMessageContaining("cut.safetensors")
                .hasMessageContaining("truncated");
        assertThatThrownBy(() -> Checkpoints.loadFloats(dir.resolve("none.safetensors"), Pe.AS_TRAINED))
                .hasMessageContaining("no such file");
    }
}
