package io.jvit.core.checkpoint;

import java.nio.file.Path;

/** A checkpoint or data file that cannot be used; the message names the file and the problem in one line. */
public class CheckpointException extends RuntimeException {
    public CheckpointException(Path file, String problem) {
        super(file + ": " + problem);
    }

    public CheckpointException(Path file, String problem, Throwable cause) {
        super(file + ": " + problem, cause);
    }
}
