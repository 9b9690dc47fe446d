package io.jvit.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.jvit.core.checkpoint.Checkpoints;
import io.jvit.core.pe.LearnedAbsolute;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class PretrainCommandTest {
    @TempDir
    Path dir;

    /** A few SimMIM steps of a tiny teacher on either engine: a loadable DINOv2-style checkpoint; bad input exits 2. */
    @ParameterizedTest
    @ValueSource(strings = {"fast", "samediff"})
    void pretrainsATinyTeacher(String engine) throws Exception {
        Path out = dir.resolve("t.safetensors");
        assertThat(Vit.run(
                        "pretrain",
                        "--out",
                        out.toString(),
                        "--steps",
                        "3",
                        "--batch",
                        "2",
                        "--side",
                        "16",
                        "--patch",
                        "8",
                        "--width",
                        "16",
                        "--depth",
                        "1",
                        "--heads",
                        "2",
                        "--engine",
                        engine))
                .isZero();
        var m = Checkpoints.load(out).model();
        assertThat(m.config().pe()).isInstanceOf(LearnedAbsolute.class);
        assertThat(m.config().depth()).isEqualTo(1);
        assertThat(m.config().numRegisters()).isEqualTo(4);
        assertThat(Vit.run(
                        "pretrain",
                        "--out",
                        dir.resolve("x.safetensors").toString(),
                        "--steps",
                        "1",
                        "--side",
                        "20",
                        "--patch",
                        "8",
                        "--engine",
                        engine))
                .isEqualTo(2);
        assertThat(Vit.run(
                        "pretrain",
                        "--out",
                        dir.resolve("y.safetensors").toString(),
                        "--steps",
                        "1",
                        "--engine",
                        "bogus"))
                .isEqualTo(2);
        assertThat(Files.exists(dir.resolve("x.safetensors"))).isFalse();
    }
}
