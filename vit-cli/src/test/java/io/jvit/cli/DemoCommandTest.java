package io.jvit.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.jvit.core.checkpoint.Checkpoints;
import io.jvit.core.pe.Alibi2d;
import io.jvit.train.retrofit.Students;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DemoCommandTest {
    @TempDir
    Path dir;

    @Test
    void writesTheSummaryAndTheReport() throws Exception {
        Path t = FeaturesCommandTest.fixture("dinov2_official_w128_reg4_d2.pth"),
                s = dir.resolve("student.safetensors");
        Checkpoints.save(s, Students.of(Checkpoints.load(t).model(), Alibi2d.paperDefault()));
        Path out = dir.resolve("demo");
        assertThat(Vit.run(
                        "demo",
                        "--teacher",
                        t.toString(),
                        "--student",
                        s.toString(),
                        "--probe-size",
                        "84",
                        "--out",
                        out.toString()))
                .isZero();
        JsonNode j = new ObjectMapper().readTree(out.resolve("summary.json").toFile());
        for (String k : new String[] {"teacher_r2", "student_r2", "retention", "patch_cosine"})
            assertThat(j.get(k).isNumber()).as(k).isTrue();
        assertThat(j.get("segmentation_corner_scribbles")
                        .get("classical")
                        .get("miou")
                        .asDouble())
                .isBetween(0.5, 1.0);
        for (String f : new String[] {
            "report.html", "ramp_teacher.png", "ramp_student.png", "pca_teacher.png", "segmentation.png"
        }) assertThat(out.resolve(f)).isNotEmptyFile();
    }
}
