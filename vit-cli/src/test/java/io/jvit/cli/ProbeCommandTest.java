package io.jvit.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.jvit.core.io.Npy;
import io.jvit.probe.BiasProbe;
import io.jvit.probe.FeatureMap;
import io.jvit.probe.Ramp;
import io.jvit.probe.SampleMask;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProbeCommandTest {
    @TempDir
    Path dir;

    @Test
    void jsonReportMatchesTheLibraryAndNamesItsOptions() throws Exception {
        Path f = FeaturesCommandTest.fixture("alibi_timm_d2__chelsea_280x420.npy");
        PrintStream old = System.out;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        System.setOut(new PrintStream(buf, true));
        int code;
        try {
            code = Vit.run(
                    "probe",
                    "--features",
                    f.toString(),
                    "--ramp",
                    "ud",
                    "--repeats",
                    "3",
                    "--json",
                    "--out",
                    dir.toString());
        } finally {
            System.setOut(old);
        }
        assertThat(code).isZero();
        JsonNode o = new ObjectMapper().readTree(buf.toString());
        double expected = new BiasProbe(Ramp.UD, new SampleMask(true, 6, 1.0), 3, 1.0, 100001)
                .run(List.of(FeatureMap.of(Npy.read(f), false)))
                .mean();
        assertThat(o.get("r2_mean").asDouble()).isCloseTo(expected, within(1e-12));
        assertThat(o.get("r2_values")).hasSize(3);
        assertThat(o.get("options").get("ramp").asText()).isEqualTo("ud");
        assertThat(new ObjectMapper().readTree(dir.resolve("report.json").toFile()))
                .isEqualTo(o);
    }

    @Test
    void emptyFolderAndUnknownRampFailWithoutAReport() throws Exception {
        Path empty = Files.createDirectory(dir.resolve("empty"));
        Path out = dir.resolve("out");
        assertThat(Vit.run("probe", "--weights", "w.pth", "--images", empty.toString(), "--out", out.toString()))
                .isEqualTo(2);
        assertThat(Vit.run("probe", "--features", "x.npy", "--ramp", "zigzag", "--out", out.toString()))
                .isEqualTo(2);
        assertThat(out.resolve("report.json")).doesNotExist();
    }

    @Test
    void syntheticReportWritesTableJsonAndFigures() throws Exception {
        Path w = FeaturesCommandTest.fixture("alibi_timm_w128_reg4_d2.pth");
        Path out = dir.resolve("report");
        assertThat(Vit.run(
                        "probe",
                        "--weights",
                        w.toString(),
                        "--synthetic",
                        "grf:1,noise:1",
                        "--size",
                        "84",
                        "--ramp",
                        "lr+ud,radial",
                        "--step",
                        "2",
                        "--repeats",
                        "2",
                        "--out",
                        out.toString()))
                .isZero();
        JsonNode o = new ObjectMapper().readTree(out.resolve("report.json").toFile());
        assertThat(o.get("inputs")).hasSize(2);
        assertThat(o.get("ramps").get("radial").get("r2_values")).hasSize(4);
        assertThat(o.get("r2_mean").asDouble())
                .isEqualTo(o.get("ramps").get("lr+ud").get("r2_mean").asDouble());
        assertThat(o.get("fingerprint").get("per_layer_max_r2")).hasSize(3); // 2 blocks + final norm
        for (String f : List.of("index.html", "fingerprint.png", "pca.png", "ramp_lr_ud.png", "ramp_radial.png"))
            assertThat(out.resolve(f)).isNotEmptyFile();
        assertThat(javax.imageio.ImageIO.read(out.resolve("pca.png").toFile()).getHeight())
                .isGreaterThan(500);
    }

    @Test
    void badSyntheticSpecFailsWithoutAReport() {
        Path out = dir.resolve("bad");
        assertThat(Vit.run("probe", "--weights", "w.pth", "--synthetic", "grf:0", "--out", out.toString()))
                .isEqualTo(2);
        assertThat(Vit.run("probe", "--weights", "w.pth", "--synthetic", "lamellae:3", "--out", out.toString()))
                .isEqualTo(2);
        assertThat(out).doesNotExist();
    }
}
