package io.jvit.spark;

import java.io.Serializable;
import java.nio.file.Path;

/**
 * One input file of a job, as it travels to an executor.
 *
 * @param path  the file, as every executor can read it (a shared file system)
 * @param index its position in the folder's sorted listing: the probe's mask seeds depend on it, as in
 *              {@code ./vit probe}
 */
public record ImageUnit(String path, int index) implements Serializable {
    public Path file() {
        return Path.of(path);
    }
}
