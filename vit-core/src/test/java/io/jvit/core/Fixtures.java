package io.jvit.core;

import java.net.URISyntaxException;
import java.nio.file.Path;

/** Test data copied from the reference implementations (see src/test/resources/dinov2-parity/README.md). */
public final class Fixtures {
    private Fixtures() {}

    public static Path parity(String name) {
        return resource("dinov2-parity", name);
    }

    /** The DINOv3 / ALiBi-Dv3 fixtures (see src/test/resources/dinov3-parity/README.md). */
    public static Path dinov3(String name) {
        return resource("dinov3-parity", name);
    }

    private static Path resource(String dir, String name) {
        try {
            var url = Fixtures.class.getResource("/" + dir + "/" + name);
            if (url == null) throw new IllegalStateException("missing test resource " + dir + "/" + name);
            return Path.of(url.toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }
}
