package io.jvit.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.jvit.core.checkpoint.Checkpoints;
import io.jvit.core.image.ImageLoader;
import io.jvit.core.io.Npy;
import io.jvit.core.pe.Alibi2d;
import io.jvit.segment.LabelImage;
import io.jvit.train.retrofit.Students;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Every command that takes a model runs a DINOv3 checkpoint (the official-layout ViT-S+/16 fixture, depth 2) and the
 * ALiBi-Dv3 layout, at patch 16: features, probe (fingerprint included), segment, retrofit (two stages) and demo.
 */
class Dinov3CommandsTest {
    static final String OFFICIAL = "dinov3_vits16plus_d2", ALIBI = "alibi_dv3_vits16plus_d2";

    @TempDir
    Path dir;

    static Path fixture(String name) throws Exception {
        return Path.of(
                Dinov3CommandsTest.class.getResource("/dinov3-parity/" + name).toURI());
    }

    @ParameterizedTest
    @ValueSource(strings = {OFFICIAL, ALIBI})
    void featuresEqualTheReference(String model) throws Exception {
        Path out = dir.resolve("f.npy");
        List<String> args = new java.util.ArrayList<>(List.of(
                "features",
                "--weights",
                fixture(model + ".pth").toString(),
                "--image",
                fixture("colorwheel_192x288.png").toString(),
                "--out",
                out.toString()));
        if (model.equals(ALIBI)) args.addAll(List.of("--pe", "alibi"));
        assertThat(Vit.run(args.toArray(String[]::new))).isZero();
        INDArray got = Npy.read(out), want = Npy.read(fixture(model + "__colorwheel_192x288__patch.npy"));
        assertThat(got.shape()).containsExactly(12, 18, 384);
        assertThat(got.sub(want).amaxNumber().doubleValue()).isLessThanOrEqualTo(1e-4);
    }

    @ParameterizedTest
    @ValueSource(strings = {"as-trained", "alibi"})
    void probeRunsWithRopeAndWithAlibi(String pe) throws Exception {
        Path out = dir.resolve("probe-" + pe);
        // 170 px → 160 px at patch 16 (10 × 10 patches); all:15 is every microstructure kind, 15 images
        assertThat(Vit.run(
                        "probe",
                        "--weights",
                        fixture(pe.equals("alibi") ? ALIBI + ".pth" : OFFICIAL + ".pth")
                                .toString(),
                        "--pe",
                        pe,
                        "--synthetic",
                        "all:15",
                        "--size",
                        "170",
                        "--step",
                        "3",
                        "--repeats",
                        "2",
                        "--out",
                        out.toString()))
                .isZero();
        JsonNode o = new ObjectMapper().readTree(out.resolve("report.json").toFile());
        assertThat(o.get("inputs")).hasSize(15);
        assertThat(o.get("r2_mean").asDouble()).isBetween(-10.0, 1.0);
        assertThat(o.get("fingerprint").get("per_layer_max_r2")).hasSize(3); // 2 blocks + final norm
        assertThat(Files.readString(out.resolve("index.html")).contains("10×10 patches × 384 channels"))
                .as("index.html names the 10×10 grid")
                .isTrue();
        assertThat(out.resolve("fingerprint.png")).isNotEmptyFile();
    }

    @Test
    void segmentsWithDinov3Features() throws Exception {
        Path[] d = new SegmentCommandTest() {
            {
                dir = Dinov3CommandsTest.this.dir;
            }
        }.data(70, 84); // 4 × 5 patches of 16, remainder dropped
        Path out = dir.resolve("seg.png");
        assertThat(Vit.run(
                        "segment",
                        "--image",
                        d[0].toString(),
                        "--labels",
                        d[1].toString(),
                        "--weights",
                        fixture(OFFICIAL + ".pth").toString(),
                        "--features",
                        "both",
                        "--pca",
                        "4",
                        "--out",
                        out.toString()))
                .isZero();
        var seg = ImageLoader.read(out);
        assertThat(seg.height()).isEqualTo(70);
        assertThat(seg.width()).isEqualTo(84);
        assertThat(LabelImage.of(seg, "seg").classes()).containsExactly(60, 200);
    }

    @Test
    void retrofitsADinov3TeacherInTwoStagesAndDemosIt() throws Exception {
        Path imgs = dir.resolve("imgs"), s1 = dir.resolve("s1"), s2 = dir.resolve("s2");
        assertThat(Vit.run("synth", "--count", "5", "--size", "56", "--out", imgs.toString()))
                .isZero();
        String teacher = fixture(OFFICIAL + ".pth").toString();
        // stage 1 at 32 px (2 × 2 patches), stage 2 from its best at 56 px → 48 px (3 × 3): the Dv3 recipe, shrunk
        assertThat(Vit.run(
                        "retrofit",
                        "--teacher",
                        teacher,
                        "--images",
                        imgs.toString(),
                        "--out",
                        s1.toString(),
                        "--size",
                        "32",
                        "--batch",
                        "2",
                        "--epochs",
                        "1",
                        "--lr",
                        "1e-4",
                        "--val",
                        "0.4"))
                .isZero();
        assertThat(Vit.run(
                        "retrofit",
                        "--teacher",
                        teacher,
                        "--init",
                        s1.resolve("best.safetensors").toString(),
                        "--images",
                        imgs.toString(),
                        "--out",
                        s2.toString(),
                        "--size",
                        "56",
                        "--batch",
                        "2",
                        "--epochs",
                        "1",
                        "--lr",
                        "1e-5",
                        "--val",
                        "0.4"))
                .isZero();
        var student = Checkpoints.load(s2.resolve("best.safetensors")).model().config();
        var want = Checkpoints.load(Path.of(teacher)).model().config().withPe(Alibi2d.paperDefault());
        assertThat(student).isEqualTo(want); // RoPE removed, everything else DINOv3's
        assertThat(student.maskKBias()).isTrue();

        Path s = dir.resolve("student.safetensors"), demo = dir.resolve("demo");
        Checkpoints.save(
                s,
                Students.of(
                        Checkpoints.load(fixture(ALIBI + ".pth"), io.jvit.core.pe.Pe.ALIBI)
                                .model(),
                        Alibi2d.paperDefault()));
        assertThat(Vit.run(
                        "demo",
                        "--teacher",
                        teacher,
                        "--student",
                        s.toString(),
                        "--probe-size",
                        "96",
                        "--out",
                        demo.toString()))
                .isZero();
        JsonNode j = new ObjectMapper().readTree(demo.resolve("summary.json").toFile());
        for (String k : new String[] {"teacher_r2", "student_r2", "retention", "patch_cosine"})
            assertThat(j.get(k).isNumber()).as(k).isTrue();
        assertThat(Files.exists(demo.resolve("report.html"))).isTrue();
    }
}
