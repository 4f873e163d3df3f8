package io.matchstream.embedding;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProjectionHeadTest {

    @TempDir
    Path dir;

    @Test
    void projectsEachDescriptorToAUnitLength512dVector() {
        try (ProjectionHead head = ProjectionHead.untrained(1)) {
            float[][] vectors = head.project(descriptors(5, 3));
            assertThat(vectors).hasNumberOfRows(5);
            for (float[] v : vectors) {
                assertThat(v).hasSize(512);
                double norm = 0;
                for (float x : v) {
                    norm += x * x;
                }
                assertThat(Math.sqrt(norm)).isCloseTo(1.0, within(1e-5));
            }
            assertThat(head.project(new float[0][])).isEmpty();
        }
    }

    @Test
    void sameParametersGiveTheSameVectorsAndVersion() throws IOException {
        float[][] input = descriptors(4, 11);
        Path file = dir.resolve("head.params");
        try (ProjectionHead a = ProjectionHead.untrained(7); ProjectionHead b = ProjectionHead.untrained(7)) {
            // inference mode: dropout is off, so repeated calls agree exactly
            assertThat(a.project(input)).isDeepEqualTo(a.project(input));
            assertThat(a.project(input)).isDeepEqualTo(b.project(input));
            assertThat(a.version()).isEqualTo(b.version()).matches("head-[0-9a-f]{12}");
            a.save(file);
            try (ProjectionHead loaded = ProjectionHead.load(file)) {
                assertThat(loaded.project(input)).isDeepEqualTo(a.project(input));
                assertThat(loaded.version()).isEqualTo(a.version())
                        .isEqualTo("head-" + ProjectionHead.sha256(Files.readAllBytes(file)).substring(0, 12));
            }
        }
    }

    @Test
    void otherParametersGiveAnotherVersion() {
        Path file = dir.resolve("head.params");
        try (ProjectionHead a = ProjectionHead.untrained(1); ProjectionHead b = ProjectionHead.untrained(2)) {
            assertThat(a.version()).isNotEqualTo(b.version());
            assertThat(a.project(descriptors(1, 5))[0]).isNotEqualTo(b.project(descriptors(1, 5))[0]);
            b.save(file);
            try (ProjectionHead loaded = ProjectionHead.load(file)) {
                assertThat(loaded.version()).isEqualTo(b.version()).isNotEqualTo(a.version());
            }
        }
    }

    @Test
    void aMissingFileSaysToTrainTheHead() {
        Path missing = dir.resolve("nope.params");
        assertThatThrownBy(() -> ProjectionHead.load(missing))
                .isInstanceOf(EncodingException.class)
                .hasMessageContaining("run ./matchstream train-head")
                .hasMessageContaining(missing.toString());
    }

    @Test
    void refusesDescriptorsOfAnotherSize() {
        try (ProjectionHead head = ProjectionHead.untrained(1)) {
            assertThatThrownBy(() -> head.project(new float[][] {new float[512]}))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("expected 128");
        }
    }

    /** Descriptor-like vectors: dlib's are about 0.1 per element. */
    private static float[][] descriptors(int n, long seed) {
        Random random = new Random(seed);
        float[][] out = new float[n][128];
        for (float[] row : out) {
            for (int i = 0; i < row.length; i++) {
                row[i] = (float) (random.nextGaussian() * 0.1);
            }
        }
        return out;
    }
}
