package io.jvit.examples;

import io.jvit.core.checkpoint.Checkpoints;
import io.jvit.core.pe.Alibi2d;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class RetrofitCommandTest {
    @TempDir Path dir;

    @Test
    void retrofitsTheFixtureTeacherResumesAndRefusesBadInput() throws Exception {
        Path imgs = dir.resolve("imgs"), out = dir.resolve("out");
        assertThat(Vit.run("synth", "--count", "6", "--size", "42", "--out", imgs.toString())).isZero();
        Files.writeString(imgs.resolve("broken.png"), "not a png");          // skipped and counted, not fatal
        String teacher = FeaturesCommandTest.fixture("dinov2_official_w128_reg4_d2.pth").toString();
        assertThat(Vit.run("retrofit", "--teacher", teacher, "--images", imgs.toString(), "--out", out.toString(),
                "--size", "42", "--batch", "3", "--epochs", "2", "--lr", "1e-3", "--val", "0.3", "--blank-channels", "3,7")).isZero();
        List<String> rows = Files.readAllLines(out.resolve("metrics.csv"));
        assertThat(rows).hasSize(3).first().asString().startsWith("epoch,train_loss,val_loss");
        var student = Checkpoints.load(out.resolve("best.safetensors"), null, null).model();
        assertThat(student.config().pe()).isEqualTo(Alibi2d.paperDefault());
        assertThat(student.weights().has("pos_embed")).isFalse();

        assertThat(Vit.run("retrofit", "--teacher", teacher, "--images", imgs.toString(), "--out", out.toString(),
                "--size", "42", "--batch", "3", "--epochs", "3", "--lr", "1e-3", "--val", "0.3", "--resume")).isZero();
        List<String> resumed = Files.readAllLines(out.resolve("metrics.csv"));
        assertThat(resumed).hasSize(4).startsWith(rows.toArray(String[]::new));

        // a resume state from another student configuration, a teacher that is not a checkpoint, a size off the patch grid
        assertThat(Vit.run("retrofit", "--teacher", teacher, "--images", imgs.toString(), "--out", out.toString(),
                "--size", "42", "--pe", "none", "--epochs", "4", "--resume")).isEqualTo(2);
        assertThat(Vit.run("retrofit", "--teacher", imgs.resolve("broken.png").toString(), "--images", imgs.toString(),
                "--out", dir.resolve("x").toString())).isEqualTo(2);
        assertThat(Vit.run("retrofit", "--teacher", teacher, "--images", imgs.toString(), "--out", dir.resolve("y").toString(),
                "--size", "40")).isEqualTo(2);
        assertThat(Files.readAllLines(out.resolve("metrics.csv"))).hasSize(4);
    }
}
