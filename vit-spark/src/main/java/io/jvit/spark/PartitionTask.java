package io.jvit.spark;

import io.jvit.core.io.BadInputException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.api.java.function.FlatMapFunction;

/**
 * The task Spark runs on each partition of files: each file is skipped ({@code --resume} and every output present),
 * or worked on; a file that fails becomes an error row and the task goes on, unless {@code --fail-fast}, where the
 * failure ends the task and so the job.
 */
record PartitionTask(ImageWork work, boolean resume, boolean failFast)
        implements FlatMapFunction<Iterator<ImageUnit>, UnitResult> {

    @Override
    public Iterator<UnitResult> call(Iterator<ImageUnit> units) {
        List<UnitResult> results = new ArrayList<>();
        while (units.hasNext()) results.add(run(units.next()));
        return results.iterator();
    }

    UnitResult run(ImageUnit unit) {
        try {
            boolean done = resume && work.outputs(unit).stream().allMatch(Files::isRegularFile);
            if (!done) work.write(unit);
            return UnitResult.done(unit, work.summarise(unit), done);
        } catch (Exception | OutOfMemoryError e) {
            if (failFast) throw new FileFailedException(unit.file(), message(e), e);
            return UnitResult.failed(unit, message(e));
        }
    }

    /** The problem alone for our readers' {@code FILE: problem} errors (the file is its own column). */
    static String message(Throwable e) {
        if (e instanceof BadInputException b) return b.problem();
        return BadInputException.describe(e);
    }

    /** A file that failed under {@code --fail-fast}: it stops the job, and the driver reports it as bad input. */
    static final class FileFailedException extends BadInputException {
        FileFailedException(Path file, String problem, Throwable cause) {
            super(file, problem, cause);
        }
    }
}
