package io.jvit.cli;

import java.util.Locale;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * The one progress style of the commands, on stderr: on a terminal an ASCII bar with elapsed time and ETA, refreshed
 * twice a second; elsewhere plain lines ({@link ProgressLines}). JVIT_PROGRESS=bar or lines forces one.
 */
final class Progress {
    private Progress() {}

    static ProgressBar bar(String task, long steps) {
        ProgressBarBuilder b = new ProgressBarBuilder().setTaskName(task).setInitialMax(steps);
        if (terminal(
                System.getenv("JVIT_PROGRESS"),
                System.getenv("TERM"),
                System.getProperty("jvit.stderr.terminal"),
                System.console() != null))
            return b.setStyle(ProgressBarStyle.ASCII)
                    .setUpdateIntervalMillis(500)
                    .continuousUpdate()
                    .setConsumer(new ConsoleProgressBarConsumer(System.err))
                    .build();
        ProgressLines lines = new ProgressLines(System.err);
        return b.setUpdateIntervalMillis(1000)
                .setRenderer(lines)
                .setConsumer(lines)
                .build();
    }

    /**
     * Whether stderr shows a bar: JVIT_PROGRESS first, then no bar for TERM=dumb, then what the {@code ./vit} launcher
     * saw (its java's stderr is a pipe, so only the launcher can tell), else whether the JVM has a console.
     */
    static boolean terminal(String forced, String term, String launcherSaw, boolean console) {
        if (forced != null && !forced.isBlank()) {
            return switch (forced.trim().toLowerCase(Locale.ROOT)) {
                case "bar" -> true;
                case "lines" -> false;
                default ->
                    throw new IllegalArgumentException("JVIT_PROGRESS must be bar or lines, got '" + forced + "'");
            };
        }
        if ("dumb".equals(term)) return false;
        if (launcherSaw != null) return Boolean.parseBoolean(launcherSaw);
        return console;
    }
}
