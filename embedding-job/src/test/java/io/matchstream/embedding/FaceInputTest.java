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
 * {@code getRGB} gives, and the detector's input the same floats as through {@code getRGB}; the separable
 * resize must give bit for bit what interpolating each value from its four source pixels gives.
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
            assertThat(fast).as("input %d", size).isEqualTo(slow);
        }
    }

    @Test
    void theResizeIsBitForBitTheFourPixelInterpolation() throws IOException {
        BufferedImage landscape = decodedJpeg();
        BufferedImage portrait = landscape.getSubimage(100, 0, 90, landscape.getHeight());
        BufferedImage small = landscape.getSubimage(200, 40, 61, 47); // smaller than the output: upscaled
        for (BufferedImage image : new BufferedImage[] {landscape, portrait, small}) {
            for (int size : new int[] {416, 320, 150, 112}) {
                for (boolean centred : new boolean[] {false, true}) {
                    float[] fast = new float[3 * size * size];
                    FaceInput.writeSquareChw(image, size, centred, fast, 0);
                    // isEqualTo, not containsExactly: the same bitwise comparison, without minutes of AssertJ's diffing
                    assertThat(fast).as("%d x %d to %d, centred %s", image.getWidth(), image.getHeight(), size, centred)
                            .isEqualTo(fourPixelResize(image, size, centred));
                }
            }
        }
    }

    @Test
    void theContentFitIsTheSquaresTopLeftAndCoversThePhoto() throws IOException {
        BufferedImage landscape = decodedJpeg();
        BufferedImage portrait = landscape.getSubimage(100, 0, 90, landscape.getHeight());
        BufferedImage small = landscape.getSubimage(200, 40, 61, 47);
        for (BufferedImage image : new BufferedImage[] {landscape, portrait, small}) {
            for (int size : new int[] {416, 320}) {
                int side = Math.max(image.getWidth(), image.getHeight());
                int columns = FaceInput.resizedExtent(image.getWidth(), side, size);
                int rows = FaceInput.resizedExtent(image.getHeight(), side, size);
                assertThat(Math.max(columns, rows)).isEqualTo(size);
                float[] square = new float[3 * size * size];
                FaceInput.writeSquareChw(image, size, false, square, 0);
                float[] topLeft = new float[3 * rows * columns];
                FaceInput.writeTopLeftChw(image, size, columns, rows, topLeft, 0);
                float[] cut = new float[3 * rows * columns];
                float[] beyond = new float[3 * size * size];
                for (int ch = 0; ch < 3; ch++) {
                    for (int r = 0; r < size; r++) {
                        for (int c = 0; c < size; c++) {
                            float value = square[ch * size * size + r * size + c];
                            if (r < rows && c < columns) {
                                cut[ch * rows * columns + r * columns + c] = value;
                            } else {
                                beyond[ch * size * size + r * size + c] = value;
                            }
                        }
                    }
                }
                String what = image.getWidth() + " x " + image.getHeight() + " to " + size;
                assertThat(topLeft).as(what).isEqualTo(cut);
                assertThat(beyond).as("%s: the padding beyond %d x %d", what, columns, rows).isEqualTo(new float[beyond.length]);
            }
        }
    }

    /** TF's resizeBilinear of the padded square, each value from its four source pixels (as face-api's tfjs does). */
    private static float[] fourPixelResize(BufferedImage image, int size, boolean centred) {
        int width = image.getWidth();
        int height = image.getHeight();
        int side = Math.max(width, height);
        int diff = side - Math.min(width, height);
        int before = centred ? diff - (int) Math.round(diff * 0.5) : 0;
        int left = width < height ? before : 0;
        int top = height < width ? before : 0;
        int[] argb = image.getRGB(0, 0, width, height, null, 0, width);
        float[] out = new float[3 * size * size];
        double scale = (double) side / size;
        for (int r = 0; r < size; r++) {
            double sourceRow = r * scale;
            int r0 = (int) Math.floor(sourceRow);
            int r1 = Math.min(side - 1, (int) Math.ceil(sourceRow));
            for (int c = 0; c < size; c++) {
                double sourceCol = c * scale;
                int c0 = (int) Math.floor(sourceCol);
                int c1 = Math.min(side - 1, (int) Math.ceil(sourceCol));
                for (int ch = 0, shift = 16; ch < 3; ch++, shift -= 8) {
                    double topLeft = pixel(argb, width, height, c0 - left, r0 - top) >> shift & 0xff;
                    double topRight = pixel(argb, width, height, c1 - left, r0 - top) >> shift & 0xff;
                    double bottomLeft = pixel(argb, width, height, c0 - left, r1 - top) >> shift & 0xff;
                    double bottomRight = pixel(argb, width, height, c1 - left, r1 - top) >> shift & 0xff;
                    double upper = topLeft + (topRight - topLeft) * (sourceCol - c0);
                    double lower = bottomLeft + (bottomRight - bottomLeft) * (sourceCol - c0);
                    out[ch * size * size + r * size + c] = (float) (upper + (lower - upper) * (sourceRow - r0));
                }
            }
        }
        return out;
    }

    private static int pixel(int[] argb, int width, int height, int x, int y) {
        return x < 0 || y < 0 || x >= width || y >= height ? 0 : argb[y * width + x];
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
