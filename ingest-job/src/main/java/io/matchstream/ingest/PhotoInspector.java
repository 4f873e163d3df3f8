package io.matchstream.ingest;

import io.matchstream.events.PhotoFormat;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.Iterator;
import javax.imageio.ImageIO;
import javax.imageio.ImageReadParam;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;

/**
 * Checks that a photo is a JPEG or PNG of sane size. The header's dimensions are checked before any
 * pixel is decoded, so a decompression bomb (a small file claiming a huge image) is refused cheaply.
 */
final class PhotoInspector {

    record Photo(PhotoFormat format, int width, int height) {}

    private final int maxBytes;
    private final int minSide;
    private final int maxSide;
    private final long maxPixels;

    PhotoInspector(int maxBytes, int minSide, int maxSide, long maxPixels) {
        this.maxBytes = maxBytes;
        this.minSide = minSide;
        this.maxSide = maxSide;
        this.maxPixels = maxPixels;
    }

    Photo inspect(byte[] photo) throws RejectedEventException {
        if (photo.length > maxBytes) {
            throw new RejectedEventException(RejectReason.PHOTO_TOO_LARGE,
                    "photo is " + photo.length + " bytes, the limit is " + maxBytes);
        }
        PhotoFormat format = sniff(photo);
        try (ImageInputStream in = ImageIO.createImageInputStream(new ByteArrayInputStream(photo))) {
            Iterator<ImageReader> readers = ImageIO.getImageReadersByFormatName(format == PhotoFormat.JPEG ? "jpeg" : "png");
            ImageReader reader = readers.next();
            try {
                reader.setInput(in, true, true);
                int width = reader.getWidth(0);
                int height = reader.getHeight(0);
                if (width < minSide || height < minSide || width > maxSide || height > maxSide
                        || (long) width * height > maxPixels) {
                    throw new RejectedEventException(RejectReason.PHOTO_DIMENSIONS,
                            "photo claims " + width + "x" + height + " pixels; allowed: sides " + minSide + ".." + maxSide
                                    + ", at most " + maxPixels + " pixels");
                }
                boolean[] damaged = new boolean[1];
                reader.addIIOReadWarningListener((source, warning) -> damaged[0] = true);
                ImageReadParam param = reader.getDefaultReadParam();
                reader.read(0, param);
                if (damaged[0]) {
                    throw new RejectedEventException(RejectReason.PHOTO_CORRUPT, "photo data is damaged or truncated");
                }
                return new Photo(format, width, height);
            } finally {
                reader.dispose();
            }
        } catch (IOException | RuntimeException e) {
            throw new RejectedEventException(RejectReason.PHOTO_CORRUPT, "photo does not decode as " + format + ": " + e);
        }
    }

    private static PhotoFormat sniff(byte[] photo) throws RejectedEventException {
        if (photo.length >= 3 && (photo[0] & 0xff) == 0xFF && (photo[1] & 0xff) == 0xD8 && (photo[2] & 0xff) == 0xFF) {
            return PhotoFormat.JPEG;
        }
        if (photo.length >= 8 && (photo[0] & 0xff) == 0x89 && photo[1] == 'P' && photo[2] == 'N' && photo[3] == 'G'
                && photo[4] == 0x0D && photo[5] == 0x0A && photo[6] == 0x1A && photo[7] == 0x0A) {
            return PhotoFormat.PNG;
        }
        throw new RejectedEventException(RejectReason.PHOTO_NOT_IMAGE, "photo is neither a JPEG nor a PNG");
    }
}
