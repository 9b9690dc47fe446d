package io.jvit.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.jvit.core.checkpoint.Checkpoints;
import io.jvit.core.pe.Alibi2d;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class RetrofitCommandTest {
    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"fast", "samediff"})
    void retrofitsTheFixtureTeacherResumesAndRefusesBadInput(String engine) throws Exception {
        Path imgs = dir.resolve("imgs"), out = dir.resolve("out");
        assertThat(Vit.run("synth", "--count", "6", "--size", "42", "--out", imgs.toString()))
                .isZero();
        Files.writeString(imgs.resolve("broken.png"), "not a png"); // skipped and counted, not fatal
        String teacher =
                FeaturesCommandTest.fixture("dinov2_official_w128_reg4_d2.pth").toString();
        assertThat(Vit.run(
                        "retrofit",
                        "--teacher",
                        teacher,
                        "--images",
                        imgs.toString(),
                        "--out",
                        out.toString(),
                        "--size",
                        "42",
                        "--batch",
                        "3",
                        "--epochs",
                        "2",
                        "--lr",
                        "1e-3",
                        "--val",
                        "0.3",
                        "--blank-channels",
                        "3,7",
                        "--engine",
                        engine))
                .isZero();
        List<String> rows = Files.readAllLines(out.resolve("metrics.csv"));
        assertThat(rows).hasSize(3).first().asString().startsWith("epoch,train_loss,val_loss");
        var student = Checkpoints.load(out.resolve("best.safetensors")).model();
        assertThat(student.config().pe()).isEqualTo(Alibi2d.paperDefault());
        assertThat(student.weights().has("pos_embed")).isFalse();

        assertThat(Vit.run(
                        "retrofit",
                        "--teacher",
                        teacher,
                        "--images",
                        imgs.toString(),
                        "--out",
                        out.toString(),
                        "--size",
                        "42",
                        "--batch",
                        "3",
                        "--epochs",
                        "3",
                        "--lr",
                        "1e-3",
                        "--val",
                        "0.3",
                        "--resume",
                        "--engine",
                        engine))
                .isZero();
        List<String> resumed = Files.readAllLines(out.resolve("metrics.csv"));
        assertThat(resumed).hasSize(4).startsWith(rows.toArray(String[]::new));

        // a resume state from another student configuration, a teacher that is not a checkpoint, a size below one patch
        assertThat(Vit.run(
                        "retrofit",
                        "--teacher",
                        teacher,
                        "--images",
                        imgs.toString(),
                        "--out",
                        out.toString(),
                        "--size",
                        "42",
                        "--pe",
                        "none",
                        "--epochs",
                        "4",
                        "--resume",
                        "--engine",
                        engine))
                .isEqualTo(2);
        assertThat(Vit.run(
                        "retrofit",
                        "--teacher",
                        imgs.resolve("broken.png").toString(),
                        "--images",
                        imgs.toString(),
                        "--out",
                        dir.resolve("x").toString()))
                .isEqualTo(2);
        assertThat(Vit.run(
                        "retrofit",
                        "--teacher",
                        teacher,
                        "--images",
                        imgs.toString(),
                        "--out",
                        dir.resolve("y").toString(),
                        "--size",
                        "10"))
                .isEqualTo(2);
        assertThat(Files.readAllLines(out.resolve("metrics.csv"))).hasSize(4);
    }

    /**
     * Two epochs on samediff, the third resumed on fast, the fourth on samediff again: the same metrics (to the
     * printed 1e-4) as four epochs on fast alone. The state file, metrics.csv and best.safetensors are shared.
     */
    @Test
    void aRunResumesAcrossEnginesThroughTheCommand() throws Exception {
        Path imgs = dir.resolve("imgs");
        assertThat(Vit.run("synth", "--count", "6", "--size", "42", "--out", imgs.toString()))
                .isZero();
        String teacher =
                FeaturesCommandTest.fixture("dinov2_official_w128_reg4_d2.pth").toString();
        List<String> common = List.of(
                "retrofit",
                "--teacher",
                teacher,
                "--images",
                imgs.toString(),
                "--size",
                "42",
                "--batch",
                "2",
                "--lr",
                "1e-3",
                "--val",
                "0.3",
                "--slopes",
                "learned");
        Path straight = dir.resolve("straight"), mixed = dir.resolve("mixed");
        assertThat(run(common, "--out", straight.toString(), "--epochs", "3", "--engine", "fast"))
                .isZero();
        assertThat(run(common, "--out", mixed.toString(), "--epochs", "1", "--engine", "samediff"))
                .isZero();
        assertThat(run(common, "--out", mixed.toString(), "--epochs", "2", "--engine", "fast", "--resume"))
                .isZero();
        assertThat(run(common, "--out", mixed.toString(), "--epochs", "3", "--engine", "samediff", "--resume"))
                .isZero();
        List<String> a = Files.readAllLines(straight.resolve("metrics.csv")),
                b = Files.readAllLines(mixed.resolve("metrics.csv"));
        assertThat(b).hasSize(4);
        for (int r = 1; r < 4; r++) {
            String[] x = a.get(r).split(","), y = b.get(r).split(",");
            for (int c = 1; c <= 2; c++) // train and validation loss
            assertThat(Double.parseDouble(y[c]))
                        .as("row %d column %d", r, c)
                        .isCloseTo(Double.parseDouble(x[c]), within(1e-4));
        }
        assertThat(Checkpoints.load(mixed.resolve("best.safetensors"))
                        .model()
                        .weights()
                        .has("blocks.0.attn.alibi_slopes"))
                .isTrue();
    }

    @Test
    void refusesAnUnknownEngineAndRecomputeOnSameDiff() throws Exception {
        Path imgs = dir.resolve("imgs");
        assertThat(Vit.run("synth", "--count", "4", "--size", "42", "--out", imgs.toString()))
                .isZero();
        String teacher =
                FeaturesCommandTest.fixture("dinov2_official_w128_reg4_d2.pth").toString();
        var err = new java.io.ByteArrayOutputStream();
        var old = System.err;
        System.setErr(new java.io.PrintStream(err, true));
        int bogus, recompute;
        try {
            bogus = Vit.run(
                    "retrofit",
                    "--teacher",
                    teacher,
                    "--images",
                    imgs.toString(),
                    "--out",
                    dir.resolve("o").toString(),
                    "--size",
                    "42",
                    "--engine",
                    "bogus");
            recompute = Vit.run(
                    "retrofit",
                    "--teacher",
                    teacher,
                    "--images",
                    imgs.toString(),
                    "--out",
                    dir.resolve("o").toString(),
                    "--size",
                    "42",
                    "--engine",
                    "samediff",
                    "--recompute");
        } finally {
            System.setErr(old);
        }
        assertThat(bogus).isEqualTo(2);
        assertThat(recompute).isEqualTo(2);
        assertThat(err.toString())
                .contains("error: --engine must be fast or samediff, got 'bogus'")
                .contains("--recompute needs --engine fast");
        assertThat(Files.exists(dir.resolve("o").resolve("metrics.csv"))).isFalse();
    }

    private static int run(List<String> common, String... more) {
        List<String> args = new java.util.ArrayList<>(common);
        args.addAll(List.of(more));
        return Vit.run(args.toArray(String[]::new));
    }
}
