package io.matchstream.embedding;

import java.awt.image.BufferedImage;

/**
 * face-api's input preparation, reproduced exactly so that the Java results equal the TF.js reference:
 * the image is padded with black to a square, then resized to the net's input side with TF's
 * {@code resizeBilinear(alignCorners=false, halfPixelCenters=false)}. Values stay in 0..255; mean
 * subtraction and scaling live inside the TorchScript models.
 *
 * <p>The face recognition net pads centred (the larger half of the padding after the image, as
 * {@code padToSquare(img, true)} does) to {@link #SIDE} x {@link #SIDE}; the tiny face detector pads only
 * after the image (bottom or right, {@code toBatchTensor(size, false)}).
 */
final class FaceInput {

    static final int SIDE = 150;
    static final int VALUES = 3 * SIDE * SIDE;

    private FaceInput() {
    }

    /** Writes a face crop for the recognition net as RGB planes (C x H x W) of {@link #VALUES} floats at {@code offset}. */
    static void writeChw(BufferedImage image, float[] out, int offset) {
        writeSquareChw(image, SIDE, true, out, offset);
    }

    /**
     * Writes the image padded to a square and resized to {@code size} x {@code size} as RGB planes
     * (3 x size x size floats at {@code offset}); {@code centred} splits the padding around the image.
     */
    static void writeSquareChw(BufferedImage image, int size, boolean centred, float[] out, int offset) {
        int width = image.getWidth();
        int height = image.getHeight();
        int side = Math.max(width, height);
        int diff = side - Math.min(width, height);
        // JS Math.round: halves go up, so "after" gets them
        int before = centred ? diff - (int) Math.round(diff * 0.5) : 0;
        int left = width < height ? before : 0;
        int top = height < width ? before : 0;

        int[] argb = rgb(image);
        int plane = size * size;
        if (side == size) {
            for (int r = 0; r < size; r++) {
                for (int c = 0; c < size; c++) {
                    int p = padded(argb, width, height, c - left, r - top);
                    for (int ch = 0; ch < 3; ch++) {
                        out[offset + ch * plane + r * size + c] = channel(p, ch);
                    }
                }
            }
            return;
        }
        // TF's resizeBilinear is separable: each source row is first interpolated across (once, though two
        // output rows use it), then each output value between its two rows. The operations per value are
        // those of interpolating the four pixels in one go (same operands, same order), so the values are
        // bit for bit the same. -1 marks a row or column in the padding.
        double scale = (double) side / size;
        int[] column0 = new int[size];
        int[] column1 = new int[size];
        double[] columnFraction = new double[size];
        for (int c = 0; c < size; c++) {
            double sourceCol = c * scale;
            int c0 = (int) Math.floor(sourceCol);
            int c1 = Math.min(side - 1, (int) Math.ceil(sourceCol));
            columnFraction[c] = sourceCol - c0;
            column0[c] = inside(c0 - left, width);
            column1[c] = inside(c1 - left, width);
        }
        double[] upper = new double[3 * size];
        double[] lower = new double[3 * size];
        int upperRow = Integer.MIN_VALUE;
        int lowerRow = Integer.MIN_VALUE;
        for (int r = 0; r < size; r++) {
            double sourceRow = r * scale;
            int r0 = (int) Math.floor(sourceRow);
            int r1 = Math.min(side - 1, (int) Math.ceil(sourceRow));
            double rowFraction = sourceRow - r0;
            if (r0 != upperRow) {
                if (r0 == lowerRow) { // the previous output row's lower row is this one's upper row
                    double[] swap = upper;
                    upper = lower;
                    lower = swap;
                    lowerRow = upperRow;
                } else {
                    across(argb, width, inside(r0 - top, height), column0, column1, columnFraction, upper);
                }
                upperRow = r0;
            }
            double[] below = upper;
            if (r1 != r0) {
                if (r1 != lowerRow) {
                    across(argb, width, inside(r1 - top, height), column0, column1, columnFraction, lower);
                    lowerRow = r1;
                }
                below = lower;
            }
            int at = offset + r * size;
            for (int ch = 0; ch < 3; ch++, at += plane) {
                int from = ch * size;
                for (int c = 0; c < size; c++) {
                    double top0 = upper[from + c];
                    out[at + c] = (float) (top0 + (below[from + c] - top0) * rowFraction);
                }
            }
        }
    }

    /** One source row interpolated across to the output's columns, channel by channel (zeros for a padding row). */
    private static void across(int[] argb, int width, int row, int[] column0, int[] column1, double[] columnFraction,
            double[] into) {
        int size = column0.length;
        int base = row * width;
        for (int c = 0; c < size; c++) {
            int x0 = column0[c];
            int x1 = column1[c];
            int left = row < 0 || x0 < 0 ? 0 : argb[base + x0];
            int right = row < 0 || x1 < 0 ? 0 : argb[base + x1];
            double fraction = columnFraction[c];
            for (int ch = 0, shift = 16; ch < 3; ch++, shift -= 8) {
                double l = left >> shift & 0xff;
                double r = right >> shift & 0xff;
                into[ch * size + c] = l + (r - l) * fraction;
            }
        }
    }

    /** {@code index} when it lies in 0..length-1, else -1 (the padding). */
    private static int inside(int index, int length) {
        return index < 0 || index >= length ? -1 : index;
    }

    /**
     * The image's pixels as packed RGB (the top byte is not read), row by row. ImageIO decodes JPEGs to
     * 3-byte BGR rasters and the aligner makes int RGB ones; both are read directly here: {@code getRGB}
     * converts every pixel through the colour model, which cost more than the resize itself.
     */
    static int[] rgb(BufferedImage image) {
        int width = image.getWidth();
        int height = image.getHeight();
        if (image.getType() == BufferedImage.TYPE_3BYTE_BGR
                && image.getRaster().getDataBuffer() instanceof java.awt.image.DataBufferByte buffer
                && image.getRaster().getSampleModel() instanceof java.awt.image.PixelInterleavedSampleModel model
                && model.getPixelStride() == 3) {
            byte[] bytes = buffer.getData();
            int scanline = model.getScanlineStride();
            // a sub-image shares its parent's buffer: its first pixel sits at the raster's translation
            int origin = -image.getRaster().getSampleModelTranslateY() * scanline
                    - image.getRaster().getSampleModelTranslateX() * 3 + buffer.getOffset();
            int[] offsets = model.getBandOffsets();
            int[] argb = new int[width * height];
            for (int y = 0; y < height; y++) {
                int at = origin + y * scanline;
                for (int x = 0; x < width; x++, at += 3) {
                    argb[y * width + x] = (bytes[at + offsets[0]] & 0xff) << 16 | (bytes[at + offsets[1]] & 0xff) << 8
                            | bytes[at + offsets[2]] & 0xff;
                }
            }
            return argb;
        }
        if (image.getType() == BufferedImage.TYPE_INT_RGB
                && image.getRaster().getDataBuffer() instanceof java.awt.image.DataBufferInt buffer
                && image.getRaster().getSampleModel() instanceof java.awt.image.SinglePixelPackedSampleModel model) {
            int[] ints = buffer.getData();
            int scanline = model.getScanlineStride();
            int origin = -image.getRaster().getSampleModelTranslateY() * scanline
                    - image.getRaster().getSampleModelTranslateX() + buffer.getOffset();
            int[] argb = new int[width * height];
            for (int y = 0; y < height; y++) {
                System.arraycopy(ints, origin + y * scanline, argb, y * width, width);
            }
            return argb;
        }
        return image.getRGB(0, 0, width, height, null, 0, width);
    }

    /** The pixel at (x, y) of the image, black in the padding around it. */
    private static int padded(int[] argb, int width, int height, int x, int y) {
        return x < 0 || y < 0 || x >= width || y >= height ? 0 : argb[y * width + x];
    }

    private static float channel(int argb, int channel) {
        return (argb >> (16 - 8 * channel)) & 0xff;
    }
}
