package io.jvit.core;

import java.net.URISyntaxException;
import java.nio.file.Path;

/** Test data copied from the reference implementations (see src/test/resources/dinov2-parity/README.md). */
public final class Fixtures {
    private Fixtures() {}

    public static Path parity(String name) {
        try {
            var url = Fixtures.class.getResource("/dinov2-parity/" + name);
            if (url == null) throw new IllegalStateException("missing test resource dinov2-parity/" + name);
            return Path.of(url.toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }
}
