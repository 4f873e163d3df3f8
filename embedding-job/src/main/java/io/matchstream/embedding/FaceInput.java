package io.matchstream.embedding;

import java.awt.image.BufferedImage;

/**
 * face-api's input preparation for its face recognition net, reproduced exactly so that the Java
 * vectors equal the TF.js reference: the crop is padded with black to a square (the larger half of the
 * padding after the image, as {@code padToSquare(img, true)} does), then resized to {@link #SIDE} x
 * {@link #SIDE} with TF's {@code resizeBilinear(alignCorners=false, halfPixelCenters=false)}. Values
 * stay in 0..255; the mean subtraction and scaling live inside the TorchScript model.
 */
final class FaceInput {

    static final int SIDE = 150;
    static final int VALUES = 3 * SIDE * SIDE;

    private FaceInput() {
    }

    /** Writes the image as RGB planes (C x H x W) of {@link #VALUES} floats at {@code offset}. */
    static void writeChw(BufferedImage image, float[] out, int offset) {
        int width = image.getWidth();
        int height = image.getHeight();
        int side = Math.max(width, height);
        int diff = side - Math.min(width, height);
        int before = diff - (int) Math.round(diff * 0.5); // JS Math.round: halves go up, so "after" gets them
        int left = width < height ? before : 0;
        int top = height < width ? before : 0;

        // The padded square as RGB planes.
        float[] square = new float[3 * side * side];
        int[] argb = image.getRGB(0, 0, width, height, null, 0, width);
        int plane = side * side;
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                int p = argb[y * width + x];
                int at = (y + top) * side + x + left;
                square[at] = (p >> 16) & 0xff;
                square[plane + at] = (p >> 8) & 0xff;
                square[2 * plane + at] = p & 0xff;
            }
        }
        if (side == SIDE) {
            System.arraycopy(square, 0, out, offset, VALUES);
            return;
        }
        double scale = (double) side / SIDE;
        for (int r = 0; r < SIDE; r++) {
            double sourceRow = r * scale;
            int r0 = (int) Math.floor(sourceRow);
            int r1 = Math.min(side - 1, (int) Math.ceil(sourceRow));
            double rowFraction = sourceRow - r0;
            for (int c = 0; c < SIDE; c++) {
                double sourceCol = c * scale;
                int c0 = (int) Math.floor(sourceCol);
                int c1 = Math.min(side - 1, (int) Math.ceil(sourceCol));
                double colFraction = sourceCol - c0;
                for (int ch = 0; ch < 3; ch++) {
                    int base = ch * plane;
                    double topLeft = square[base + r0 * side + c0];
                    double topRight = square[base + r0 * side + c1];
                    double bottomLeft = square[base + r1 * side + c0];
                    double bottomRight = square[base + r1 * side + c1];
                    double upper = topLeft + (topRight - topLeft) * colFraction;
                    double lower = bottomLeft + (bottomRight - bottomLeft) * colFraction;
                    out[offset + ch * SIDE * SIDE + r * SIDE + c] = (float) (upper + (lower - upper) * rowFraction);
                }
            }
        }
    }
}
