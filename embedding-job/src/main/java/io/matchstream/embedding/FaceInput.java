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
        writeChw(image, size, centred, size, size, out, offset);
    }

    /**
     * The top-left {@code columns} x {@code rows} of {@link #writeSquareChw}'s uncentred {@code size} x
     * {@code size} output as RGB planes (3 x rows x columns floats at {@code offset}): the same values, less
     * the padding beyond them.
     */
    static void writeTopLeftChw(BufferedImage image, int size, int columns, int rows, float[] out, int offset) {
        if (columns > size || rows > size) {
            throw new IllegalArgumentException(columns + " x " + rows + " is not within the " + size + " x " + size + " square");
        }
        writeChw(image, size, false, columns, rows, out, offset);
    }

    /**
     * How many of the {@code size} output columns (or rows) of the uncentred square resize read a pixel of
     * an image side {@code length} long, the longest side being {@code side}: those after them are padding.
     */
    static int resizedExtent(int length, int side, int size) {
        if (side == size) {
            return length;
        }
        double scale = (double) side / size; // as writeChw maps output to source
        int extent = 0;
        while (extent < size && (int) Math.floor(extent * scale) < length) {
            extent++;
        }
        return extent;
    }

    private static void writeChw(BufferedImage image, int size, boolean centred, int columns, int rows, float[] out, int offset) {
        int width = image.getWidth();
        int height = image.getHeight();
        int side = Math.max(width, height);
        int diff = side - Math.min(width, height);
        // JS Math.round: halves go up, so "after" gets them
        int before = centred ? diff - (int) Math.round(diff * 0.5) : 0;
        int left = width < height ? before : 0;
        int top = height < width ? before : 0;

        int plane = columns * rows;
        if (side == size) {
            int[] argb = rgb(image);
            for (int r = 0; r < rows; r++) {
                for (int c = 0; c < columns; c++) {
                    int p = padded(argb, width, height, c - left, r - top);
                    for (int ch = 0; ch < 3; ch++) {
                        out[offset + ch * plane + r * columns + c] = channel(p, ch);
                    }
                }
            }
            return;
        }
        // TF's resizeBilinear is separable: each source row is first interpolated across (once, though two
        // output rows use it), then each output value between its two rows. The operations per value are
        // those of interpolating the four pixels in one go (same operands, same order), so the values are
        // bit for bit the same. -1 marks a row or column in the padding.
        Rows source = Rows.of(image);
        double scale = (double) side / size;
        int[] column0 = new int[columns];
        int[] column1 = new int[columns];
        double[] columnFraction = new double[columns];
        for (int c = 0; c < columns; c++) {
            double sourceCol = c * scale;
            int c0 = (int) Math.floor(sourceCol);
            int c1 = Math.min(side - 1, (int) Math.ceil(sourceCol));
            columnFraction[c] = sourceCol - c0;
            column0[c] = inside(c0 - left, width);
            column1[c] = inside(c1 - left, width);
        }
        double[] upper = new double[3 * columns];
        double[] lower = new double[3 * columns];
        int upperRow = Integer.MIN_VALUE;
        int lowerRow = Integer.MIN_VALUE;
        for (int r = 0; r < rows; r++) {
            double sourceRow = r * scale;
            int r0 = (int) Math.floor(sourceRow);
            int r1 = Math.min(side - 1, (int) Math.ceil(sourceRow));
            double rowFraction = sourceRow - r0;
            int at = offset + r * columns;
            if (inside(r0 - top, height) < 0 && inside(r1 - top, height) < 0) {
                // both source rows in the padding: every value is 0 + (0 - 0) * fraction = +0
                for (int ch = 0; ch < 3; ch++, at += plane) {
                    java.util.Arrays.fill(out, at, at + columns, 0f);
                }
                continue;
            }
            if (r0 != upperRow) {
                if (r0 == lowerRow) { // the previous output row's lower row is this one's upper row
                    double[] swap = upper;
                    upper = lower;
                    lower = swap;
                    lowerRow = upperRow;
                } else {
                    source.across(inside(r0 - top, height), column0, column1, columnFraction, upper);
                }
                upperRow = r0;
            }
            double[] below = upper;
            if (r1 != r0) {
                if (r1 != lowerRow) {
                    source.across(inside(r1 - top, height), column0, column1, columnFraction, lower);
                    lowerRow = r1;
                }
                below = lower;
            }
            for (int ch = 0; ch < 3; ch++, at += plane) {
                int from = ch * columns;
                for (int c = 0; c < columns; c++) {
                    double top0 = upper[from + c];
                    out[at + c] = (float) (top0 + (below[from + c] - top0) * rowFraction);
                }
            }
        }
    }

    /**
     * The source image's rows, read where the raster keeps them: a decoded JPEG's interleaved bytes or an
     * int RGB raster's ints (anything else through one {@code getRGB} copy). The resize reads only the
     * pixels it interpolates, straight from the raster: copying the whole image into packed ints first
     * cost as much as the resize.
     */
    private abstract static class Rows {
        static Rows of(BufferedImage image) {
            if (image.getType() == BufferedImage.TYPE_3BYTE_BGR
                    && image.getRaster().getDataBuffer() instanceof java.awt.image.DataBufferByte buffer
                    && image.getRaster().getSampleModel() instanceof java.awt.image.PixelInterleavedSampleModel model
                    && model.getPixelStride() == 3) {
                int scanline = model.getScanlineStride();
                int[] offsets = model.getBandOffsets();
                return new ByteRows(buffer.getData(), byteOrigin(image, buffer, scanline), scanline, offsets);
            }
            if (image.getType() == BufferedImage.TYPE_INT_RGB
                    && image.getRaster().getDataBuffer() instanceof java.awt.image.DataBufferInt buffer
                    && image.getRaster().getSampleModel() instanceof java.awt.image.SinglePixelPackedSampleModel model) {
                int scanline = model.getScanlineStride();
                return new IntRows(buffer.getData(), intOrigin(image, buffer, scanline), scanline);
            }
            int width = image.getWidth();
            return new IntRows(image.getRGB(0, 0, width, image.getHeight(), null, 0, width), 0, width);
        }

        /**
         * One source row ({@code -1}: a padding row, all zeros) interpolated across to the output's columns,
         * channel by channel, into {@code into} (3 x columns).
         */
        abstract void across(int row, int[] column0, int[] column1, double[] columnFraction, double[] into);

        /** The first {@code width} pixels of a row as packed RGB (the top byte is not read), at {@code at}. */
        abstract void copy(int row, int[] into, int at, int width);
    }

    private static final class ByteRows extends Rows {
        private final byte[] bytes;
        private final int origin;
        private final int scanline;
        private final int red;
        private final int green;
        private final int blue;

        ByteRows(byte[] bytes, int origin, int scanline, int[] bandOffsets) {
            this.bytes = bytes;
            this.origin = origin;
            this.scanline = scanline;
            this.red = bandOffsets[0];
            this.green = bandOffsets[1];
            this.blue = bandOffsets[2];
        }

        @Override
        void across(int row, int[] column0, int[] column1, double[] columnFraction, double[] into) {
            int size = column0.length;
            if (row < 0) {
                java.util.Arrays.fill(into, 0.0);
                return;
            }
            int base = origin + row * scanline;
            for (int c = 0; c < size; c++) {
                int x0 = column0[c];
                int x1 = column1[c];
                double fraction = columnFraction[c];
                if (x0 < 0 || x1 < 0) { // a column in the padding
                    int at0 = base + x0 * 3;
                    int at1 = base + x1 * 3;
                    into[c] = lerp(x0 < 0 ? 0 : bytes[at0 + red] & 0xff, x1 < 0 ? 0 : bytes[at1 + red] & 0xff, fraction);
                    into[size + c] = lerp(x0 < 0 ? 0 : bytes[at0 + green] & 0xff, x1 < 0 ? 0 : bytes[at1 + green] & 0xff, fraction);
                    into[2 * size + c] = lerp(x0 < 0 ? 0 : bytes[at0 + blue] & 0xff, x1 < 0 ? 0 : bytes[at1 + blue] & 0xff, fraction);
                    continue;
                }
                int at0 = base + x0 * 3;
                int at1 = base + x1 * 3;
                into[c] = lerp(bytes[at0 + red] & 0xff, bytes[at1 + red] & 0xff, fraction);
                into[size + c] = lerp(bytes[at0 + green] & 0xff, bytes[at1 + green] & 0xff, fraction);
                into[2 * size + c] = lerp(bytes[at0 + blue] & 0xff, bytes[at1 + blue] & 0xff, fraction);
            }
        }

        @Override
        void copy(int row, int[] into, int at, int width) {
            for (int x = 0, from = origin + row * scanline; x < width; x++, from += 3) {
                into[at + x] = (bytes[from + red] & 0xff) << 16 | (bytes[from + green] & 0xff) << 8 | bytes[from + blue] & 0xff;
            }
        }
    }

    private static final class IntRows extends Rows {
        private final int[] ints;
        private final int origin;
        private final int scanline;

        IntRows(int[] ints, int origin, int scanline) {
            this.ints = ints;
            this.origin = origin;
            this.scanline = scanline;
        }

        @Override
        void across(int row, int[] column0, int[] column1, double[] columnFraction, double[] into) {
            int size = column0.length;
            if (row < 0) {
                java.util.Arrays.fill(into, 0.0);
                return;
            }
            int base = origin + row * scanline;
            for (int c = 0; c < size; c++) {
                int x0 = column0[c];
                int x1 = column1[c];
                int left = x0 < 0 ? 0 : ints[base + x0];
                int right = x1 < 0 ? 0 : ints[base + x1];
                double fraction = columnFraction[c];
                into[c] = lerp(left >> 16 & 0xff, right >> 16 & 0xff, fraction);
                into[size + c] = lerp(left >> 8 & 0xff, right >> 8 & 0xff, fraction);
                into[2 * size + c] = lerp(left & 0xff, right & 0xff, fraction);
            }
        }

        @Override
        void copy(int row, int[] into, int at, int width) {
            System.arraycopy(ints, origin + row * scanline, into, at, width);
        }
    }

    /**
     * 0..255 as doubles: a load from this table is cheaper than converting each byte (the conversion's false
     * dependency on its register chained the interpolations). The values, and so every result, are the same.
     */
    private static final double[] BYTE_VALUES = java.util.stream.IntStream.range(0, 256).asDoubleStream().toArray();

    /** {@code l + (r - l) * fraction} in doubles, as TF computes it. */
    private static double lerp(int left, int right, double fraction) {
        double l = BYTE_VALUES[left];
        return l + (BYTE_VALUES[right] - l) * fraction;
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
        int[] argb = new int[width * image.getHeight()];
        Rows rows = Rows.of(image);
        for (int y = 0, at = 0; at < argb.length; y++, at += width) {
            rows.copy(y, argb, at, width);
        }
        return argb;
    }

    /** Where the image's first pixel sits in a 3-byte raster's buffer: a sub-image shares its parent's. */
    private static int byteOrigin(BufferedImage image, java.awt.image.DataBufferByte buffer, int scanline) {
        return -image.getRaster().getSampleModelTranslateY() * scanline
                - image.getRaster().getSampleModelTranslateX() * 3 + buffer.getOffset();
    }

    /** Where the image's first pixel sits in an int raster's buffer. */
    private static int intOrigin(BufferedImage image, java.awt.image.DataBufferInt buffer, int scanline) {
        return -image.getRaster().getSampleModelTranslateY() * scanline
                - image.getRaster().getSampleModelTranslateX() + buffer.getOffset();
    }

    /** The pixel at (x, y) of the image, black in the padding around it. */
    private static int padded(int[] argb, int width, int height, int x, int y) {
        return x < 0 || y < 0 || x >= width || y >= height ? 0 : argb[y * width + x];
    }

    private static float channel(int argb, int channel) {
        return (argb >> (16 - 8 * channel)) & 0xff;
    }
}
