package io.jvit.cli;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * The demo's models inside the jar (the teacher from ./vit pretrain, the ALiBi student from ./vit retrofit): the
 * checkpoint loader reads files, so each is copied to a temporary file, deleted when the JVM exits.
 */
final class EmbeddedModels {
    private EmbeddedModels() {}

    static final String TEACHER = "teacher.safetensors", STUDENT = "student.safetensors";

    static Path extract(String name) throws IOException {
        try (InputStream in = EmbeddedModels.class.getResourceAsStream(DemoCommand.EMBEDDED + name)) {
            if (in == null) throw new IllegalStateException("the embedded " + name + " is missing from this build");
            Path tmp = Files.createTempFile("jvit-", "-" + name);
            tmp.toFile().deleteOnExit();
            Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
            return tmp;
        }
    }
}
