package io.jvit.segment;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

class LabelImageTest {
    /** 10 × 30 labels: class 60 on `a` pixels, class 200 on `b` pixels, the rest unlabelled. */
    static LabelImage labels(int a, int b) {
        int[] v = new int[300];
        Arrays.fill(v, 0, a, 60);
        Arrays.fill(v, a, a + b, 200);
        return new LabelImage(v, 10, 30);
    }

    @Test
    void countsScribbledPixelsPerClassInClassOrder() {
        LabelImage l = labels(120, 13);
        assertThat(l.classes()).containsExactly(60, 200);
        assertThat(l.counts()).containsExactly(120, 13);
        assertThat(l.labelled()).isEqualTo(133);
    }

    @Test
    void warnsOfTheClassesWithFewScribbles() {
        assertThat(labels(120, 13).fewScribbles())
                .startsWith("warning: class 200 has 13 scribbled pixel(s)")
                .contains("leave --crf off");
        assertThat(labels(20, LabelImage.FEW - 1).fewScribbles())
                .startsWith("warning: class 60 has 20, class 200 has " + (LabelImage.FEW - 1) + " scribbled");
        assertThat(labels(LabelImage.FEW, 200).fewScribbles()).isNull();
    }

    @Test
    void poolsTheCountsOfAStacksSlices() {
        assertThat(LabelImage.fewScribbles(java.util.List.of(labels(100, 30), labels(100, 30))))
                .isNull();
        assertThat(LabelImage.fewScribbles(java.util.List.of(labels(100, 20), labels(100, 20))))
                .startsWith("warning: class 200 has 40 scribbled pixel(s)");
    }
}
