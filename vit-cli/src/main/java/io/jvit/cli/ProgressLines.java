package io.jvit.cli;

import java.io.PrintStream;
import java.util.Locale;
import me.tongfei.progressbar.ProgressBarConsumer;
import me.tongfei.progressbar.ProgressBarRenderer;
import me.tongfei.progressbar.ProgressState;

/**
 * Progress as plain lines, for output that is not a terminal (a log file, a pipe, CI): a bar redrawn with carriage
 * returns would fill a log with frames. A line is written at the start, each time another tenth is done, at least
 * every {@link #PERIOD_NANOS} while steps advance, and once at the end; each gives the count, the elapsed time and
 * the ETA. The bar's update thread calls {@link #render} about once a second; an empty string means "nothing new".
 */
final class ProgressLines implements ProgressBarRenderer, ProgressBarConsumer {
    static final long PERIOD_NANOS = 10_000_000_000L;

    private final PrintStream out;
    private long lastNanos = Long.MIN_VALUE, lastCurrent = -1;
    private int lastTenth = -1;
    private boolean finished;
    private ProgressState state; // the bar's live state, for the last line at close

    ProgressLines(PrintStream out) {
        this.out = out;
    }

    @Override
    public String render(ProgressState s, int maxLength) {
        state = s;
        return line(s, !s.isAlive());
    }

    private String line(ProgressState s, boolean done) {
        return line(
                s.getTaskName(),
                s.getStart(),
                s.getCurrent(),
                s.getMax(),
                s.getTotalElapsed().toNanos(),
                s.getElapsedAfterStart().toNanos(),
                s.getExtraMessage(),
                done);
    }

    /**
     * The line to write now, or "" for none.
     *
     * @param elapsed   nanoseconds since the task began (counting a resumed run's earlier time)
     * @param sinceStart nanoseconds of this process, the ones the ETA extrapolates from
     * @param done      the bar is closing: the last line, written once
     */
    synchronized String line(
            String task,
            long start,
            long current,
            long max,
            long elapsed,
            long sinceStart,
            String extra,
            boolean done) {
        if (finished) return "";
        int tenth = max > 0 ? (int) Math.min(10, current * 10 / max) : 0;
        boolean due = lastCurrent < 0
                || done
                || tenth > lastTenth
                || (current != lastCurrent && elapsed - lastNanos >= PERIOD_NANOS);
        if (!due) return "";
        finished = done;
        lastNanos = elapsed;
        lastCurrent = current;
        lastTenth = tenth;
        StringBuilder b = new StringBuilder(task).append(": ");
        if (max > 0) b.append(String.format(Locale.ROOT, "%3d%% (%d/%d)", current * 100 / max, current, max));
        else b.append(current);
        b.append(", ").append(duration(elapsed)).append(" elapsed");
        if (!done && max > 0 && current > start && current < max)
            b.append(", ETA ").append(duration((long) ((double) sinceStart / (current - start) * (max - current))));
        if (extra != null && !extra.isEmpty()) b.append("  ").append(extra);
        return b.toString();
    }

    static String duration(long nanos) {
        long s = Math.round(nanos / 1e9);
        if (s < 60) return s + " s";
        if (s < 3600) return String.format(Locale.ROOT, "%d min %02d s", s / 60, s % 60);
        return String.format(Locale.ROOT, "%d h %02d min", s / 3600, s / 60 % 60);
    }

    @Override
    public int getMaxRenderedLength() {
        return Integer.MAX_VALUE;
    }

    @Override
    public void accept(String rendered) {
        if (!rendered.isEmpty()) out.println(rendered);
    }

    @Override
    public void clear() {}

    /**
     * The bar closes: the last line if the bar's own final render did not come (it runs on the bar's update thread,
     * which a busy machine may not schedule before the close).
     */
    @Override
    public void close() {
        ProgressState s = state;
        if (s != null) accept(line(s, true));
        out.flush();
    }
}
