package io.matchstream.embedding;

import java.util.List;

/**
 * The 68 face landmarks of the iBUG 300-W / dlib scheme in an image's pixels (x right, y down): 0-16 jaw,
 * 17-26 brows, 27-35 nose, 36-41 the eye on the image's left (the person's right eye), 42-47 the other eye,
 * 48-67 mouth.
 */
public record Landmarks(List<Point> points) {

    public static final int COUNT = 68;

    public record Point(double x, double y) {}

    public Landmarks {
        points = List.copyOf(points);
        if (points.size() != COUNT) {
            throw new IllegalArgumentException("expected " + COUNT + " landmarks, got " + points.size());
        }
    }

    public Point get(int index) {
        return points.get(index);
    }

    /** Centre of points 36-41: the eye on the image's left. */
    public Point leftEyeCentre() {
        return centre(36, 42);
    }

    /** Centre of points 42-47: the eye on the image's right. */
    public Point rightEyeCentre() {
        return centre(42, 48);
    }

    /** Angle of the line from the left to the right eye centre, in degrees; 0 is level, positive turns clockwise on screen. */
    public double eyeLineDegrees() {
        Point left = leftEyeCentre();
        Point right = rightEyeCentre();
        return Math.toDegrees(Math.atan2(right.y() - left.y(), right.x() - left.x()));
    }

    private Point centre(int from, int to) {
        double x = 0;
        double y = 0;
        for (int i = from; i < to; i++) {
            x += points.get(i).x();
            y += points.get(i).y();
        }
        return new Point(x / (to - from), y / (to - from));
    }
}
