package io.matchstream.embedding;

import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.util.Comparator;
import java.util.List;

/**
 * Decides which face a profile photo shows. The largest detected face is the profile's face unless
 * another one is nearly as large (a group photo): then no face dominates and the photo is ambiguous.
 */
final class FacePicker {
    sealed interface Choice permits One, NoFace, Ambiguous {}

    record One(DetectedFace face) implements Choice {}

    record NoFace() implements Choice {}

    record Ambiguous(int faces, double secondToFirstArea) implements Choice {}

    private final double ambiguousAreaRatio;

    /** @param ambiguousAreaRatio a second face at least this fraction of the largest one's area makes a photo ambiguous */
    FacePicker(double ambiguousAreaRatio) {
        this.ambiguousAreaRatio = ambiguousAreaRatio;
    }

    Choice pick(List<DetectedFace> faces) {
        if (faces.isEmpty()) {
            return new NoFace();
        }
        List<DetectedFace> bySize = faces.stream().sorted(Comparator.comparingDouble(DetectedFace::area).reversed()).toList();
        if (bySize.size() > 1) {
            double ratio = bySize.get(1).area() / bySize.get(0).area();
            if (ratio >= ambiguousAreaRatio) {
                return new Ambiguous(faces.size(), ratio);
            }
        }
        return new One(bySize.get(0));
    }

    /** The face's box grown by {@code margin} on each side, made square and clamped to the image (not rotated). */
    static BufferedImage crop(BufferedImage image, DetectedFace face, double margin) {
        double side = Math.max(face.width(), face.height()) * (1 + 2 * margin);
        double cx = face.x() + face.width() / 2;
        double cy = face.y() + face.height() / 2;
        int x0 = (int) Math.max(0, Math.round(cx - side / 2));
        int y0 = (int) Math.max(0, Math.round(cy - side / 2));
        int x1 = (int) Math.min(image.getWidth(), Math.round(cx + side / 2));
        int y1 = (int) Math.min(image.getHeight(), Math.round(cy + side / 2));
        return copy(image, x0, y0, Math.max(1, x1 - x0), Math.max(1, y1 - y0));
    }

    /** The largest centred square: the fallback when no face is found and the fallback is switched on. */
    static BufferedImage centreSquare(BufferedImage image) {
        int side = Math.min(image.getWidth(), image.getHeight());
        return copy(image, (image.getWidth() - side) / 2, (image.getHeight() - side) / 2, side, side);
    }

    private static BufferedImage copy(BufferedImage image, int x, int y, int width, int height) {
        BufferedImage out = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
        g.drawImage(image, 0, 0, width, height, x, y, x + width, y + height, null);
        g.dispose();
        return out;
    }
}
