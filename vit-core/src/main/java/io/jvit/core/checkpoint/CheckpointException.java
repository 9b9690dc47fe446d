package io.jvit.core.checkpoint;

import io.jvit.core.io.BadInputException;
import java.nio.file.Path;

/**
 * A checkpoint that cannot be used; the message names the file and the problem in one line. A
 * {@link BadInputException}, as every reader's error is.
 */
public class CheckpointException extends BadInputException {
    public CheckpointException(Path file, String problem) {
        super(file, problem);
    }

    public CheckpointException(Path file, String problem, Throwable cause) {
        super(file, problem, cause);
    }
}
