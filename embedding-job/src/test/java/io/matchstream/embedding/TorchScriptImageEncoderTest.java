package io.matchstream.embedding;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;

/**
 * The configurable TorchScript encoder (the production path for Qwen3-VL's vision tower) must reproduce a
 * known encoder exactly when configured like it: dlib's model takes RGB in 0..255, i.e. mean 0, std 1/255.
 */
class TorchScriptImageEncoderTest {
    private static final Path FACES = Path.of("src/test/resources/face-reference/faces");

    @Test
    void configuredLikeTheDlibEncoderItGivesTheSameVectors() throws Exception {
        EmbeddingConfig config = EmbeddingConfig.defaults();
        List<BufferedImage> faces = new ArrayList<>();
        try (Stream<Path> files = Files.list(FACES)) {
            for (Path f : files.sorted().limit(6).toList()) {
                faces.add(ImageIO.read(f.toFile()));
            }
        }
        float s = 1f / 255f;
        var spec = new TorchScriptImageEncoder.Spec(config.faceModel(), "dlib-as-torchscript", 150,
                new float[] {0, 0, 0}, new float[] {s, s, s}, 128, 4);
        try (DlibFaceEncoder dlib = DlibFaceEncoder.open(config);
                TorchScriptImageEncoder generic = TorchScriptImageEncoder.open(spec)) {
            float[][] expected = dlib.encode(faces);
            float[][] actual = generic.encode(faces);
            for (int i = 0; i < faces.size(); i++) {
                assertThat(Cosine.of(actual[i], expected[i])).isGreaterThan(1 - 1e-5);
            }
            assertThat(generic.weightsSha256()).isEqualTo(dlib.weightsSha256());
            assertThat(generic.dimension()).isEqualTo(128);
        }
    }

    @Test
    void aWrongOutputDimensionIsAClearError() {
        float s = 1f / 255f;
        var spec = new TorchScriptImageEncoder.Spec(EmbeddingConfig.defaults().faceModel(), "wrong", 150,
                new float[] {0, 0, 0}, new float[] {s, s, s}, 512, 32);
        try (TorchScriptImageEncoder encoder = TorchScriptImageEncoder.open(spec)) {
            assertThatThrownBy(() -> encoder.encode(List.of(new BufferedImage(40, 40, BufferedImage.TYPE_INT_RGB))))
                    .isInstanceOf(EncodingException.class).hasMessageContaining("expected (N, 512)");
        }
    }

}
