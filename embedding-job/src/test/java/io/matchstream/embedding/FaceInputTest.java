package io.matchstream.embedding;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;

/**
 * {@link FaceInput} reads the pixels of the rasters the job sees (ImageIO's JPEG decoding, the aligner's
 * int RGB crops, sub-images of either) straight from their buffers: those must be the pixels
 * {@code getRGB} gives, and the detector's input the same floats as through {@code getRGB}.
 */
class FaceInputTest {

    @Test
    void readsDecodedJpegsAndTheirSubImagesAsGetRgbDoes() throws IOException {
        BufferedImage decoded = decodedJpeg();
        assertThat(decoded.getType()).isEqualTo(BufferedImage.TYPE_3BYTE_BGR);
        assertSamePixels(decoded);
        assertSamePixels(decoded.getSubimage(37, 21, 101, 77));
    }

    @Test
    void readsIntRgbImagesAndTheirSubImagesAsGetRgbDoes() throws IOException {
        BufferedImage decoded = decodedJpeg();
        BufferedImage rgb = new BufferedImage(decoded.getWidth(), decoded.getHeight(), BufferedImage.TYPE_INT_RGB);
        rgb.getGraphics().drawImage(decoded, 0, 0, null);
        assertSamePixels(rgb);
        assertSamePixels(rgb.getSubimage(5, 60, 130, 41));
    }

    @Test
    void theDetectorInputIsTheSameThroughEitherPath() throws IOException {
        BufferedImage decoded = decodedJpeg();
        // The same pixels in a raster FaceInput can only read through getRGB.
        BufferedImage generic = new BufferedImage(decoded.getWidth(), decoded.getHeight(), BufferedImage.TYPE_INT_ARGB);
        generic.getGraphics().drawImage(decoded, 0, 0, null);
        for (int size : new int[] {416, 128}) {
            float[] fast = new float[3 * size * size];
            float[] slow = new float[3 * size * size];
            FaceInput.writeSquareChw(decoded, size, false, fast, 0);
            FaceInput.writeSquareChw(generic, size, false, slow, 0);
            assertThat(fast).as("input %d", size).containsExactly(slow);
        }
    }

    private static void assertSamePixels(BufferedImage image) {
        int[] expected = image.getRGB(0, 0, image.getWidth(), image.getHeight(), null, 0, image.getWidth());
        int[] read = FaceInput.rgb(image);
        for (int i = 0; i < expected.length; i++) {
            assertThat(read[i] & 0xffffff).as("pixel %d", i).isEqualTo(expected[i] & 0xffffff);
        }
    }

    private static BufferedImage decodedJpeg() throws IOException {
        BufferedImage png;
        try (InputStream in = FaceInputTest.class.getResourceAsStream("/face-reference/photos/sample2.png")) {
            png = ImageIO.read(in);
        }
        BufferedImage rgb = new BufferedImage(png.getWidth(), png.getHeight(), BufferedImage.TYPE_INT_RGB);
        rgb.getGraphics().drawImage(png, 0, 0, null);
        ByteArrayOutputStream jpeg = new ByteArrayOutputStream();
        ImageIO.write(rgb, "jpeg", jpeg);
        return ImageIO.read(new ByteArrayInputStream(jpeg.toByteArray()));
    }
}
