package io.matchstream.index;

/** Vector checks the sink applies before anything reaches an index (which assumes unit length). */
public final class Vectors {
    private Vectors() {}

    public static double dot(float[] a, float[] b) {
        if (a == null || b == null || a.length != b.length) {
            return 0;
        }
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }

    /** A unit-length copy, or null when the vector is empty, zero or not finite (the record is refused). */
    public static float[] normalised(java.util.List<Float> values) {
        if (values == null || values.isEmpty()) {
            return null;
        }
        float[] v = new float[values.size()];
        double norm = 0;
        for (int i = 0; i < v.length; i++) {
            Float x = values.get(i);
            if (x == null || !Float.isFinite(x)) {
                return null;
            }
            v[i] = x;
            norm += (double) x * x;
        }
        if (!(norm > 0) || !Double.isFinite(norm)) {
            return null;
        }
        float inv = (float) (1 / Math.sqrt(norm));
        for (int i = 0; i < v.length; i++) {
            v[i] *= inv;
        }
        return v;
    }
}
