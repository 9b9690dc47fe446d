package io.jvit.core.fuzz;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.fail;

import io.jvit.core.io.BadInputException;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.function.Executable;

/**
 * The readers' contract, checked on one input: the reader returns, or throws {@link BadInputException} with a
 * one-line message {@code FILE: problem}; in bounded time ({@link #TIMEOUT}) and bounded heap allocation
 * ({@code allocationLimit} bytes allocated by the reading thread, whatever was freed since).
 */
public final class Contract {
    private Contract() {}

    public static final Duration TIMEOUT = Duration.ofSeconds(10);

    /** What the reader did with an input. */
    public enum Outcome {
        ACCEPTED,
        REFUSED
    }

    public static Outcome check(Path file, long allocationLimit, Executable reader) {
        return assertTimeoutPreemptively(
                TIMEOUT,
                () -> {
                    var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
                    long before = threads.getCurrentThreadAllocatedBytes();
                    Outcome o;
                    try {
                        reader.execute();
                        o = Outcome.ACCEPTED;
                    } catch (BadInputException e) {
                        assertThat(e.getMessage())
                                .as("message of %s", e)
                                .startsWith(file + ": ")
                                .doesNotContain("\n");
                        assertThat(e.file()).isEqualTo(file);
                        assertThat(e.problem())
                                .isNotBlank()
                                .doesNotStartWith("null")
                                .doesNotContain("NullPointerException");
                        o = Outcome.REFUSED;
                    } catch (Throwable t) {
                        fail("reader threw " + t + " instead of BadInputException for " + file, t);
                        throw new AssertionError(t);
                    }
                    long allocated = threads.getCurrentThreadAllocatedBytes() - before;
                    assertThat(allocated)
                            .as("heap bytes allocated reading %s", file)
                            .isLessThanOrEqualTo(allocationLimit);
                    return o;
                },
                () -> "reading " + file + " took over " + TIMEOUT);
    }
}
