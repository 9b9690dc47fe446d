package io.jvit.core.io;

import java.nio.file.Path;

/**
 * The one exception every reader of this library throws for an input file it cannot use: missing, unreadable,
 * truncated, corrupt, hostile (sizes, offsets or nesting beyond what the file can hold) or with values it refuses
 * (NaN or Inf in weights). The message is one line, {@code FILE: problem}; {@link #file()} and {@link #problem()}
 * give the two parts.
 *
 * <p>It is unchecked (an {@link IllegalArgumentException}: the caller passed a file that is not what the reader takes),
 * so that readers used inside lambdas and streams need no wrapping. The command line turns it into exit code 2 and
 * one {@code error: FILE: problem} line.
 *
 * <p>Readers that throw it: {@link Npy#read}, {@link io.jvit.core.image.ImageLoader#read},
 * {@link io.jvit.core.checkpoint.Checkpoints} (as its subclass {@link io.jvit.core.checkpoint.CheckpointException}),
 * {@link io.jvit.core.checkpoint.Safetensors}, {@link io.jvit.core.checkpoint.TorchCheckpoint}, and the segmentation
 * module's label images and saved segmenters.
 */
public class BadInputException extends IllegalArgumentException {
    private final transient Path file;
    private final String problem;

    public BadInputException(Path file, String problem) {
        this(file, problem, null);
    }

    public BadInputException(Path file, String problem, Throwable cause) {
        super(file + ": " + firstLine(problem), cause);
        this.file = file;
        this.problem = firstLine(problem);
    }

    /** One line, whatever a lower layer put in the text (native libraries append stack traces). */
    private static String firstLine(String s) {
        if (s == null || s.isBlank()) return "unusable input";
        String t = s.strip();
        int nl = t.indexOf('\n');
        return nl < 0 ? t : t.substring(0, nl).strip();
    }

    /** The file that cannot be used. */
    public Path file() {
        return file;
    }

    /** What is wrong with it, without the file name. */
    public String problem() {
        return problem;
    }

    /**
     * A lower layer's exception in words fit for a user: its message, or its kind when it has none
     * (a bare {@code NullPointerException} says nothing about the file).
     */
    public static String describe(Throwable e) {
        String m = e.getMessage();
        String kind = e.getClass().getSimpleName();
        if (m == null || m.isBlank()) return kind;
        m = m.replace('\n', ' ').trim();
        // a message that is only a number or a word ("-768", "integer overflow") means nothing without its kind
        return m.length() < 24 || e instanceof RuntimeException && !(e instanceof BadInputException)
                ? kind + ": " + m
                : m;
    }
}
