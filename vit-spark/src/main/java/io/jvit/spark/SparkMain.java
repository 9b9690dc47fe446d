package io.jvit.spark;

import io.jvit.core.io.BadInputException;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.FileSystemException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code ./vit spark JOB …}, and the main class of the shaded jar under {@code spark-submit}: one subcommand per job.
 * Exit codes as {@code ./vit}'s: 0 done (files that failed are listed in {@code OUT/errors.csv}), 2 bad input or usage
 * (one line {@code error: FILE: problem}), 1 an internal error.
 */
@Command(
        name = "spark",
        mixinStandardHelpOptions = true,
        description = "The ./vit jobs over large image folders on Apache Spark (embedded local[*], or spark-submit).",
        subcommands = {
            FeaturesJob.class,
            SegmentJob.class,
            ProbeJob.class,
            TargetsJob.class,
            CommandLine.HelpCommand.class
        })
public final class SparkMain {
    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs a job's command line and returns its exit code; a failure prints one line on stderr. */
    public static int run(String... args) {
        CommandLine cl = new CommandLine(new SparkMain());
        cl.setParameterExceptionHandler((e, a) -> {
            e.getCommandLine().getErr().println("error: " + e.getMessage() + " (see --help)");
            return 2;
        });
        cl.setExecutionExceptionHandler((e, cmd, parsed) -> {
            PrintWriter err = cmd.getErr();
            boolean bad = e instanceof IllegalArgumentException || e instanceof IOException;
            String m = e instanceof FileSystemException f && f.getFile() != null
                    ? f.getFile() + ": " + e.getClass().getSimpleName()
                    : e instanceof BadInputException || bad ? e.getMessage() : BadInputException.describe(e);
            err.println("error: " + (bad ? "" : "internal error: ") + m);
            if (!bad) e.printStackTrace(err);
            return bad ? 2 : 1;
        });
        return cl.execute(args);
    }
}
