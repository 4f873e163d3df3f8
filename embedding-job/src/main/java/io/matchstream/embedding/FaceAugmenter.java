package io.matchstream.embedding;

import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.AffineTransform;
import java.awt.image.BufferedImage;
import java.util.Random;

/**
 * Makes a new view of a detected face, as a second photo of the same person might show it: the square
 * crop {@link FacePicker#crop} takes, moved by up to 5% and scaled by up to 8% (crop jitter), rotated
 * uniformly within +-15 degrees about the face's centre, mirrored half of the time, then colour-jittered
 * (brightness, contrast, saturation each by a factor in 0.75..1.25). Pixels outside the photo are black;
 * crops are {@link FaceInput#SIDE} pixels square.
 *
 * <p>Deterministic: the same photo, face and {@link Random} state give the same crop.
 */
final class FaceAugmenter {

    static final double MAX_ROTATION_DEGREES = 15;
    static final double MAX_SHIFT = 0.05;
    static final double MAX_SCALE = 0.08;
    static final double MAX_COLOUR = 0.25;

    private final double margin;

    /** @param margin crop margin per side as a fraction of the face box, as the embedding job crops */
    FaceAugmenter(double margin) {
        this.margin = margin;
    }

    BufferedImage augment(BufferedImage image, DetectedFace face, Random random) {
        double side = Math.max(face.width(), face.height()) * (1 + 2 * margin);
        double cropSide = side * (1 + symmetric(random, MAX_SCALE));
        double cx = face.x() + face.width() / 2 + symmetric(random, MAX_SHIFT) * side;
        double cy = face.y() + face.height() / 2 + symmetric(random, MAX_SHIFT) * side;
        double angle = Math.toRadians(symmetric(random, MAX_ROTATION_DEGREES));
        boolean mirror = random.nextBoolean();
        // rendered straight at the encoder's input size: the encoder would resize it to that anyway
        int out = FaceInput.SIDE;

        // destination <- source: centre the face, scale the jittered crop to the output, mirror, rotate
        AffineTransform transform = new AffineTransform();
        transform.translate(out / 2.0, out / 2.0);
        transform.scale(out / cropSide, out / cropSide);
        if (mirror) {
            transform.scale(-1, 1);
        }
        transform.rotate(angle);
        transform.translate(-cx, -cy);
        BufferedImage crop = new BufferedImage(out, out, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = crop.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
        g.drawImage(image, transform, null);
        g.dispose();

        jitterColours(crop, 1 + symmetric(random, MAX_COLOUR), 1 + symmetric(random, MAX_COLOUR),
                1 + symmetric(random, MAX_COLOUR));
        return crop;
    }

    /** torchvision's ColorJitter order: brightness, contrast (about the mean grey), saturation (about each pixel's grey). */
    static void jitterColours(BufferedImage image, double brightness, double contrast, double saturation) {
        int w = image.getWidth();
        int h = image.getHeight();
        int[] argb = image.getRGB(0, 0, w, h, null, 0, w);
        double[] rgb = new double[argb.length * 3];
        double meanGrey = 0;
        for (int i = 0; i < argb.length; i++) {
            for (int ch = 0; ch < 3; ch++) {
                rgb[3 * i + ch] = Math.min(255, ((argb[i] >> (16 - 8 * ch)) & 0xff) * brightness);
            }
            meanGrey += grey(rgb, i);
        }
        meanGrey /= argb.length;
        for (int i = 0; i < argb.length; i++) {
            for (int ch = 0; ch < 3; ch++) {
                rgb[3 * i + ch] = clamp((rgb[3 * i + ch] - meanGrey) * contrast + meanGrey);
            }
            double g = grey(rgb, i);
            int pixel = 0;
            for (int ch = 0; ch < 3; ch++) {
                pixel = (pixel << 8) | (int) Math.round(clamp(g + (rgb[3 * i + ch] - g) * saturation));
            }
            argb[i] = pixel;
        }
        image.setRGB(0, 0, w, h, argb, 0, w);
    }

    private static double grey(double[] rgb, int i) {
        return 0.299 * rgb[3 * i] + 0.587 * rgb[3 * i + 1] + 0.114 * rgb[3 * i + 2];
    }

    private static double clamp(double v) {
        return Math.max(0, Math.min(255, v));
    }

    private static double symmetric(Random random, double max) {
        return (random.nextDouble() * 2 - 1) * max;
    }
}
