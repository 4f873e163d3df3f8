package io.matchstream.embedding;

/**
 * A face found by {@link FaceDetector}: its box in the original image's pixels (top-left corner, width,
 * height; as face-api reports it, not clipped to the image) and the detector's confidence in 0..1.
 */
public record DetectedFace(double x, double y, double width, double height, double score) {

    public double area() {
        return width * height;
    }

    /** Intersection over union with another box (0 when they do not overlap). */
    public double iou(DetectedFace other) {
        double w = Math.max(0, Math.min(x + width, other.x + other.width) - Math.max(x, other.x));
        double h = Math.max(0, Math.min(y + height, other.y + other.height) - Math.max(y, other.y));
        double intersection = w * h;
        return intersection / (area() + other.area() - intersection);
    }
}
