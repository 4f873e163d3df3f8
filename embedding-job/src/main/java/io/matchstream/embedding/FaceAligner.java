package io.matchstream.embedding;

import java.awt.image.BufferedImage;

/**
 * Turns a face upright before encoding: rotates the image about the face box's centre so that the line
 * between the eye centres (landmarks 36-41 and 42-47) is horizontal, and cuts the square of side
 * {@code max(width, height) * (1 + 2 * margin)} centred on the box (the same square as the unaligned crop
 * of {@link FacePicker}), at the image's own resolution; the encoder resizes it.
 *
 * <p>Pure Java and deterministic: each output pixel is the bilinear interpolation of the four source
 * pixels around its rotated centre, with black outside the image (as face-api pads).
 */
public final class FaceAligner {

    /** The job's default {@code --face-margin}. */
    public static final double DEFAULT_MARGIN = 0.25;

    private final double margin;

    public FaceAligner(double margin) {
        if (!(margin >= 0 && margin <= 2)) {
            throw new IllegalArgumentException("face margin must be in [0, 2], got " + margin);
        }
        this.margin = margin;
    }

    public FaceAligner() {
        this(DEFAULT_MARGIN);
    }

    public double margin() {
        return margin;
    }

    /** The face's square crop, rotated so that its eyes are level. */
    public BufferedImage align(BufferedImage image, DetectedFace face, Landmarks landmarks) {
        double angle = Math.toRadians(landmarks.eyeLineDegrees());
        double cos = Math.cos(angle);
        double sin = Math.sin(angle);
        int side = (int) Math.max(1, Math.round(Math.max(face.width(), face.height()) * (1 + 2 * margin)));
        double centreX = face.x() + face.width() / 2;
        double centreY = face.y() + face.height() / 2;

        // Only the pixels under the turned square are read: the square's circumcircle, clipped to the image.
        double half = side / 2.0;
        double reach = half * Math.sqrt(2) + 2;
        int left = (int) Math.max(0, Math.floor(centreX - reach));
        int top = (int) Math.max(0, Math.floor(centreY - reach));
        int width = (int) Math.min(image.getWidth(), Math.ceil(centreX + reach)) - left;
        int height = (int) Math.min(image.getHeight(), Math.ceil(centreY + reach)) - top;
        // read from the raster (getRGB converts every pixel through the colour model), written straight into
        // the output's own pixel array
        int[] source = width > 0 && height > 0 ? FaceInput.rgb(image.getSubimage(left, top, width, height)) : new int[0];
        BufferedImage aligned = new BufferedImage(side, side, BufferedImage.TYPE_INT_RGB);
        int[] out = ((java.awt.image.DataBufferInt) aligned.getRaster().getDataBuffer()).getData();
        for (int v = 0; v < side; v++) {
            double dy = v + 0.5 - half;
            for (int u = 0; u < side; u++) {
                double dx = u + 0.5 - half;
                // the output's x axis runs along the eye line; pixel centres sit at integer + 0.5
                double x = centreX + cos * dx - sin * dy - 0.5 - left;
                double y = centreY + sin * dx + cos * dy - 0.5 - top;
                out[v * side + u] = bilinear(source, width, height, x, y);
            }
        }
        return aligned;
    }

    private static int bilinear(int[] argb, int width, int height, double x, double y) {
        int x0 = (int) Math.floor(x);
        int y0 = (int) Math.floor(y);
        double fx = x - x0;
        double fy = y - y0;
        int topLeft = pixel(argb, width, height, x0, y0);
        int topRight = pixel(argb, width, height, x0 + 1, y0);
        int bottomLeft = pixel(argb, width, height, x0, y0 + 1);
        int bottomRight = pixel(argb, width, height, x0 + 1, y0 + 1);
        int rgb = 0;
        for (int shift = 16; shift >= 0; shift -= 8) {
            double upper = lerp((topLeft >> shift) & 0xff, (topRight >> shift) & 0xff, fx);
            double lower = lerp((bottomLeft >> shift) & 0xff, (bottomRight >> shift) & 0xff, fx);
            int value = (int) Math.round(lerp(upper, lower, fy));
            rgb |= Math.max(0, Math.min(255, value)) << shift;
        }
        return rgb;
    }

    private static double lerp(double a, double b, double t) {
        return a + (b - a) * t;
    }

    /** The pixel at (x, y) of the region read, black outside it (the region covers all of the image that is needed). */
    private static int pixel(int[] argb, int width, int height, int x, int y) {
        return x < 0 || y < 0 || x >= width || y >= height ? 0 : argb[y * width + x];
    }
}
