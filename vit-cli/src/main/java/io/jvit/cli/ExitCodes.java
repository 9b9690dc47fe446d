package io.jvit.cli;

import io.jvit.core.io.BadInputException;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine;

/**
 * The exit codes of {@code ./vit}, in one place: what each means (shown in every command's help), and the one
 * {@code error:} line a failure prints.
 */
final class ExitCodes {
    private ExitCodes() {}

    static final int OK = 0, INTERNAL = 1, BAD_INPUT = 2, OUT_OF_MEMORY = 3;

    /** The table of every command's usage footer. */
    static Map<String, String> descriptions() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put(OK + "", "success");
        m.put(
                BAD_INPUT + "",
                "bad input or usage: one 'error: FILE: problem' line on stderr; no output created or overwritten");
        m.put(
                OUT_OF_MEMORY + "",
                "out of memory: raise the limits with JAVA_OPTS (e.g. -Xmx8g) or use a smaller image or batch");
        m.put(INTERNAL + "", "an internal error (a bug: please report it with the command line)");
        return m;
    }

    /** Sets the exit-code table in the help of {@code cl} and all its subcommands. */
    static void document(CommandLine cl) {
        cl.getCommandSpec()
                .usageMessage()
                .exitCodeListHeading("%nExit codes:%n")
                .exitCodeList(descriptions());
        for (CommandLine sub : cl.getSubcommands().values()) document(sub);
    }

    /** The exit code of a command's failure. */
    static int of(Throwable e) {
        if (e instanceof OutOfMemoryError) return OUT_OF_MEMORY;
        if (e instanceof IllegalArgumentException
                || e instanceof IOException
                || e instanceof CommandLine.ParameterException) return BAD_INPUT;
        return INTERNAL;
    }

    /** The text after {@code error: }: the file and the problem when the failure is about a file. */
    static String message(Throwable e) {
        if (e instanceof BadInputException b) return b.getMessage();
        if (e instanceof FileSystemException f && f.getFile() != null) {
            String problem = e instanceof NoSuchFileException
                    ? "no such file or folder"
                    : e instanceof AccessDeniedException
                            ? "permission denied"
                            : e instanceof FileAlreadyExistsException
                                    ? "already exists"
                                    : e instanceof NotDirectoryException
                                            ? "not a folder"
                                            : e instanceof DirectoryNotEmptyException
                                                    ? "folder not empty"
                                                    : f.getReason() != null
                                                            ? f.getReason()
                                                            : e.getClass().getSimpleName();
            return f.getFile() + (f.getOtherFile() != null ? " → " + f.getOtherFile() : "") + ": " + problem;
        }
        if (e instanceof OutOfMemoryError)
            return "out of memory: " + oneLine(e)
                    + " (raise the limits with JAVA_OPTS=\"-Xmx8g -Dorg.bytedeco.javacpp.maxbytes=24G"
                    + " -Dorg.bytedeco.javacpp.maxphysicalbytes=28G\", or use a smaller batch or image)";
        if (of(e) == INTERNAL)
            return "internal error: " + e.getClass().getSimpleName()
                    + (e.getMessage() == null ? "" : ": " + oneLine(e));
        return oneLine(e);
    }

    static String oneLine(Throwable e) {
        String m = e.getMessage() == null || e.getMessage().isBlank()
                ? e.getClass().getSimpleName()
                : e.getMessage().strip();
        int nl = m.indexOf('\n');
        return nl < 0 ? m : m.substring(0, nl).strip();
    }
}
