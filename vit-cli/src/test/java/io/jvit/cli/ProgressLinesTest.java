package io.jvit.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import org.junit.jupiter.api.Test;

/** Progress off a terminal: whole lines at each tenth, every 10 s and at the end; never a carriage return. */
class ProgressLinesTest {
    private static final long S = 1_000_000_000L;

    @Test
    void writesALineAtTheStartEachTenthEveryTenSecondsAndAtTheEnd() {
        ProgressLines p = new ProgressLines(System.err);
        assertThat(p.line("featurising", 0, 0, 200, 0, 0, "", false))
                .isEqualTo("featurising:   0% (0/200), 0 s elapsed");
        assertThat(p.line("featurising", 0, 0, 200, S, S, "", false))
                .as("nothing new")
                .isEmpty();
        assertThat(p.line("featurising", 0, 19, 200, 2 * S, 2 * S, "", false))
                .as("within the first tenth")
                .isEmpty();
        assertThat(p.line("featurising", 0, 20, 200, 4 * S, 4 * S, "", false))
                .isEqualTo("featurising:  10% (20/200), 4 s elapsed, ETA 36 s");
        assertThat(p.line("featurising", 0, 25, 200, 13 * S, 13 * S, "", false))
                .as("9 s after the last line")
                .isEmpty();
        assertThat(p.line("featurising", 0, 26, 200, 14 * S, 14 * S, "loss 0.5", false))
                .isEqualTo("featurising:  13% (26/200), 14 s elapsed, ETA 1 min 34 s  loss 0.5");
        assertThat(p.line("featurising", 0, 26, 200, 30 * S, 30 * S, "", false))
                .as("no step since")
                .isEmpty();
        assertThat(p.line("featurising", 0, 200, 200, 7300 * S, 7300 * S, "", true))
                .isEqualTo("featurising: 100% (200/200), 2 h 01 min elapsed");
        assertThat(p.line("featurising", 0, 200, 200, 7301 * S, 7301 * S, "", true))
                .as("the end, once")
                .isEmpty();
    }

    @Test
    void theEtaOfAResumedRunCountsOnlyThisRunsSteps() {
        ProgressLines p = new ProgressLines(System.err);
        p.line("distilling", 50, 50, 100, 100 * S, 0, "", false);
        // 10 steps in 20 s of this process: 40 left take 80 s, whatever the earlier run spent
        assertThat(p.line("distilling", 50, 60, 100, 120 * S, 20 * S, "", false))
                .endsWith("ETA 1 min 20 s");
    }

    @Test
    void aBarOnTheseLinesWritesNoCarriageReturn() {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        ProgressLines lines = new ProgressLines(new PrintStream(buf, true, StandardCharsets.UTF_8));
        try (ProgressBar bar = new ProgressBarBuilder()
                .setTaskName("work")
                .setInitialMax(4)
                .setUpdateIntervalMillis(10)
                .setRenderer(lines)
                .setConsumer(lines)
                .build()) {
            for (int i = 0; i < 4; i++) bar.step();
        }
        String text = buf.toString(StandardCharsets.UTF_8);
        assertThat(text)
                .doesNotContain("\r")
                .startsWith("work:")
                .endsWith("work: 100% (4/4), 0 s elapsed" + System.lineSeparator());
    }

    @Test
    void choosesTheBarOnlyOnATerminal() {
        assertThat(Progress.terminal(null, "xterm", "true", false)).isTrue();
        assertThat(Progress.terminal(null, "xterm", "false", true))
                .as("the launcher saw a pipe")
                .isFalse();
        assertThat(Progress.terminal(null, "dumb", "true", true)).isFalse();
        assertThat(Progress.terminal(null, null, null, true)).isTrue();
        assertThat(Progress.terminal(null, null, null, false)).isFalse();
        assertThat(Progress.terminal("lines", "xterm", "true", true)).isFalse();
        assertThat(Progress.terminal("bar", "dumb", "false", false)).isTrue();
        assertThatThrownBy(() -> Progress.terminal("fancy", null, null, true))
                .hasMessageContaining("JVIT_PROGRESS must be bar or lines");
    }
}
