package io.jvit.core.io;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The outputs of one command, written all or not at all: each file is staged complete beside its target (as
 * {@link AtomicFiles} writes one), and {@link #commit()} renames them into place only once every one has been
 * written. Closing without a commit deletes what was staged, and the folders staging created, so that a command that
 * fails half-way leaves no file created and none overwritten.
 */
public final class StagedWrites implements AutoCloseable {
    private final Map<Path, Path> staged = new LinkedHashMap<>(); // target → temporary file
    private final List<Path> createdDirs = new ArrayList<>();

    /** Stages {@code target}'s new content; a second write of the same target is refused (two outputs, one file). */
    public void write(Path target, AtomicFiles.Writer writer) throws IOException {
        Path abs = target.toAbsolutePath().normalize();
        if (staged.containsKey(abs))
            throw new IllegalArgumentException(target + ": two outputs of this command would be written here");
        Path dir = abs.getParent();
        if (dir != null) {
            List<Path> missing = new ArrayList<>();
            for (Path d = dir; d != null && !Files.exists(d); d = d.getParent()) missing.add(d);
            Files.createDirectories(dir);
            for (int i = missing.size() - 1; i >= 0; i--) createdDirs.add(missing.get(i));
        }
        staged.put(abs, AtomicFiles.stage(abs, writer));
    }

    /** Moves every staged file into place. */
    public void commit() throws IOException {
        for (var e : staged.entrySet())
            Files.move(e.getValue(), e.getKey(), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        staged.clear();
        createdDirs.clear();
    }

    /** Deletes whatever was staged and not committed, and the folders created for it (deepest first). */
    @Override
    public void close() {
        for (Path tmp : staged.values()) {
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException ignored) {
                /* best effort: a temp file, hidden */
            }
        }
        staged.clear();
        for (int i = createdDirs.size() - 1; i >= 0; i--) {
            try {
                Files.deleteIfExists(createdDirs.get(i));
            } catch (IOException ignored) {
                /* not empty: someone else's now */
            }
        }
        createdDirs.clear();
    }
}
