package io.matchstream.index;

/** Vector checks the sink applies before anything reaches an index (which assumes unit length). */
public final class Vectors {
    private Vectors() {}

    public static double dot(float[] a, float[] b) {
        if (a == null || b == null || a.length != b.length) {
            return 0;
        }
        // Four independent sums: the JIT keeps them in flight together (one running sum waits on each add);
        // the MMR re-rank takes limit x candidates of these per query.
        float s0 = 0;
        float s1 = 0;
        float s2 = 0;
        float s3 = 0;
        int i = 0;
        for (int end = a.length & ~3; i < end; i += 4) {
            s0 += a[i] * b[i];
            s1 += a[i + 1] * b[i + 1];
            s2 += a[i + 2] * b[i + 2];
            s3 += a[i + 3] * b[i + 3];
        }
        for (; i < a.length; i++) {
            s0 += a[i] * b[i];
        }
        return (s0 + s1) + (s2 + s3);
    }

    /** A unit-length copy of a non-zero vector (each component divided by the norm). */
    public static float[] unit(float[] v) {
        double n = 0;
        for (float x : v) {
            n += x * x;
        }
        float[] out = v.clone();
        for (int i = 0; i < out.length; i++) {
            out[i] /= (float) Math.sqrt(n);
        }
        return out;
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
