package io.matchstream.ingest;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.zip.CRC32;
import javax.imageio.ImageIO;

/** Real encoded images (JPEG, PNG) and hostile ones built from them, for validation tests. */
final class SamplePhotos {
    private SamplePhotos() {}

    static byte[] jpeg(int width, int height) {
        return encode(width, height, "jpeg");
    }

    static byte[] png(int width, int height) {
        return encode(width, height, "png");
    }

    /** A PNG whose header claims {@code width x height}: a decompression bomb if decoded blindly. */
    static byte[] pngClaiming(int width, int height) {
        byte[] png = png(32, 32);
        ByteBuffer buf = ByteBuffer.wrap(png);
        // IHDR data starts after the 8-byte signature, 4-byte length and 4-byte type.
        buf.putInt(16, width);
        buf.putInt(20, height);
        CRC32 crc = new CRC32();
        crc.update(png, 12, 17); // "IHDR" + 13 data bytes
        buf.putInt(29, (int) crc.getValue());
        return png;
    }

    /** A JPEG cut off half way. */
    static byte[] truncatedJpeg() {
        byte[] jpeg = jpeg(200, 200);
        return Arrays.copyOf(jpeg, jpeg.length / 2);
    }

    private static byte[] encode(int width, int height, String format) {
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        for (int y = 0; y < height; y += 8) {
            g.setColor(new Color((y * 7) % 256, (y * 3) % 256, 128));
            g.fillRect(0, y, width, 8);
        }
        g.setColor(Color.WHITE);
        g.fillOval(width / 4, height / 4, width / 2, height / 2);
        g.dispose();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            ImageIO.write(image, format, out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }
}
