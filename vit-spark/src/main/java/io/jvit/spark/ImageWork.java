package io.jvit.spark;

import java.io.Serializable;
import java.nio.file.Path;
import java.util.List;

/**
 * What a job does to one input file on an executor: the files it writes (each written under a temporary name and
 * renamed into place, so a killed task leaves either the whole file or none), how it writes them, and the summary
 * line it reports, read back from those files (so that {@code --resume} reports the same for a file done earlier).
 */
public interface ImageWork extends Serializable {
    /** The output files of {@code unit}; all present means done. May read the file's header (pages). */
    List<Path> outputs(ImageUnit unit) throws Exception;

    /** Computes and writes every output of {@code unit}, each atomically. */
    void write(ImageUnit unit) throws Exception;

    /** The summary of a done {@code unit}, from its outputs ("" when the job has none). */
    String summarise(ImageUnit unit) throws Exception;
}
