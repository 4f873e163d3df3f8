package io.matchstream.launcher;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/** Finds a job's cluster jar ({@code <module>/target/<module>-<version>-flink.jar}) in this checkout. */
final class JobJars {
    private JobJars() {}

    static Path find(String module) {
        Path cwd = Path.of("").toAbsolutePath();
        List<Path> roots = Stream.of(System.getProperty("matchstream.home"), cwd.toString(), cwd.getParent().toString())
                .filter(r -> r != null).map(Path::of).toList();
        for (Path root : roots) {
            Optional<Path> jar = inTarget(root.resolve(module).resolve("target"), module);
            if (jar.isPresent()) {
                return jar.get();
            }
        }
        throw new IllegalStateException("no " + module + "-*-flink.jar under " + roots
                + "; build it with `mvn install -DskipTests` (./matchstream builds it)");
    }

    private static Optional<Path> inTarget(Path target, String module) {
        if (!Files.isDirectory(target)) {
            return Optional.empty();
        }
        try (Stream<Path> files = Files.list(target)) {
            return files.filter(f -> f.getFileName().toString().startsWith(module + "-")
                    && f.getFileName().toString().endsWith("-flink.jar")).findFirst();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
