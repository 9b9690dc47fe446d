package io.jvit.segment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class PooledScoresTest {
    @Test
    void poolsIntersectionsAndUnionsOverImagesBeforeDividing() {
        PooledScores p = new PooledScores(new int[] {1, 2});
        // image A: class 1 IoU 1/2 (inter 1, union 2); class 2 IoU 1/2 (inter 1, union 2); one 0 pixel ignored
        p.add(new int[] {1, 1, 2, 2}, new int[] {1, 2, 2, 0});
        // image B: all 4 correct, class 1 on 3 pixels, class 2 on 1
        p.add(new int[] {1, 1, 1, 2}, new int[] {1, 1, 1, 2});
        Metrics.Scores s = p.scores();
        assertThat(s.iou()[0]).isCloseTo(4 / 5.0, within(1e-12)); // inter 1 + 3, union 2 + 3
        assertThat(s.iou()[1]).isCloseTo(2 / 3.0, within(1e-12)); // inter 1 + 1, union 2 + 1
        assertThat(s.meanIou()).isCloseTo((0.8 + 2 / 3.0) / 2, within(1e-12));
        assertThat(s.accuracy()).isCloseTo(6 / 7.0, within(1e-12));
        // one image alone scores as Metrics.score
        PooledScores one = new PooledScores(new int[] {1, 2});
        one.add(new int[] {1, 1, 2, 2}, new int[] {1, 2, 2, 0});
        Metrics.Scores m = Metrics.score(new int[] {1, 1, 2, 2}, new int[] {1, 2, 2, 0}, new int[] {1, 2});
        assertThat(one.scores().iou()).containsExactly(m.iou());
        assertThat(one.scores().accuracy()).isEqualTo(m.accuracy());
    }
}
