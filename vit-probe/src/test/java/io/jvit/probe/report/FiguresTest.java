package io.jvit.probe.report;

import static org.assertj.core.api.Assertions.assertThat;

import io.jvit.probe.Fingerprint;
import io.jvit.probe.Ramp;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FiguresTest {
    @TempDir
    Path dir;

    @Test
    void viridisEndsAndMiddleAreMatplotlibs() {
        assertThat(Colormap.viridis(0)).isEqualTo(0x440154);
        assertThat(Colormap.viridis(1)).isEqualTo(0xfde725);
        assertThat(Colormap.viridis(0.5)).isEqualTo(0x21908d); // matplotlib: #21918c
        assertThat(Colormap.viridis(-3)).isEqualTo(0x440154);
    }

    @Test
    void rampFigurePaintsTargetAndPredictionCellsWithTheirValues() throws Exception {
        int h = 3, w = 4;
        double[][] target = Ramp.LR.values(h, w, 0);
        double[][] pred = new double[1][h * w];
        for (int t = 0; t < h * w; t++) pred[0][t] = 1 - target[t][0];
        BufferedImage im = Figures.rampPrediction(Ramp.LR, target, pred, h, w, 0.5);
        // cell (row 1, column 3) of the target at (gap + 3·cell + 4, gap + title + cell + 4)
        assertThat(im.getRGB(10 + 3 * 8 + 4, 10 + 22 + 8 + 4) & 0xffffff).isEqualTo(Colormap.viridis(1.0));
        assertThat(im.getRGB(2 * 10 + 4 * 8 + 3 * 8 + 4, 10 + 22 + 8 + 4) & 0xffffff)
                .isEqualTo(Colormap.viridis(0.0));
        Path f = dir.resolve("r.png");
        Figures.writePng(im, f);
        assertThat(ImageIO.read(f.toFile()).getRGB(10 + 3 * 8 + 4, 10 + 22 + 8 + 4))
                .isEqualTo(im.getRGB(10 + 3 * 8 + 4, 10 + 22 + 8 + 4));
    }

    @Test
    void fingerprintHeatmapUsesThePapersScale() {
        double[][] r2 = {{0, 0.25, 0.5, 0.9}, {0.1, 0.1, 0.1, 0.1}};
        BufferedImage im = Figures.fingerprint(new Fingerprint(Ramp.LR, List.of("a", "b"), r2, 1), 2);
        int cw = 1200 / 4;
        assertThat(im.getRGB(70 + 1 * cw + 2, 28 + 2) & 0xffffff).isEqualTo(Colormap.viridis(0.5));
        assertThat(im.getRGB(70 + 3 * cw + 2, 28 + 2) & 0xffffff).isEqualTo(Colormap.viridis(1.0));
        assertThat(im.getRGB(70 + 2, 28 + 18 + 2) & 0xffffff).isEqualTo(Colormap.viridis(0.2));
    }
}
