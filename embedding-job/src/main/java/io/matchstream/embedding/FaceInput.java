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

        int[] argb = image.getRGB(0, 0, width, height, null, 0, width);
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
        double scale = (double) side / size;
        for (int r = 0; r < size; r++) {
            double sourceRow = r * scale;
            int r0 = (int) Math.floor(sourceRow);
            int r1 = Math.min(side - 1, (int) Math.ceil(sourceRow));
            double rowFraction = sourceRow - r0;
            for (int c = 0; c < size; c++) {
                double sourceCol = c * scale;
                int c0 = (int) Math.floor(sourceCol);
                int c1 = Math.min(side - 1, (int) Math.ceil(sourceCol));
                double colFraction = sourceCol - c0;
                int pTopLeft = padded(argb, width, height, c0 - left, r0 - top);
                int pTopRight = padded(argb, width, height, c1 - left, r0 - top);
                int pBottomLeft = padded(argb, width, height, c0 - left, r1 - top);
                int pBottomRight = padded(argb, width, height, c1 - left, r1 - top);
                for (int ch = 0; ch < 3; ch++) {
                    double topLeft = channel(pTopLeft, ch);
                    double topRight = channel(pTopRight, ch);
                    double bottomLeft = channel(pBottomLeft, ch);
                    double bottomRight = channel(pBottomRight, ch);
                    double upper = topLeft + (topRight - topLeft) * colFraction;
                    double lower = bottomLeft + (bottomRight - bottomLeft) * colFraction;
                    out[offset + ch * plane + r * size + c] = (float) (upper + (lower - upper) * rowFraction);
                }
            }
        }
    }

    /** The pixel at (x, y) of the image, black in the padding around it. */
    private static int padded(int[] argb, int width, int height, int x, int y) {
        return x < 0 || y < 0 || x >= width || y >= height ? 0 : argb[y * width + x];
    }

    private static float channel(int argb, int channel) {
        return (argb >> (16 - 8 * channel)) & 0xff;
    }
}
