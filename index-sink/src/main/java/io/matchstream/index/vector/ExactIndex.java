package io.matchstream.index.vector;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.PriorityQueue;

/**
 * Exact inner-product search over vectors held on the Java heap: the ground truth for recall tests and
 * the right plan when a query's filters admit few ids. Thread-safe for concurrent searches; writes lock.
 */
public final class ExactIndex implements VectorIndex {
    private final int dimension;
    private final Map<Long, Integer> slotOf = new HashMap<>();
    private long[] ids = new long[1024];
    private float[] vectors;
    private int size;

    public ExactIndex(int dimension) {
        this.dimension = dimension;
        this.vectors = new float[1024 * dimension];
    }

    @Override
    public int dimension() {
        return dimension;
    }

    @Override
    public String description() {
        return "Flat(java)";
    }

    @Override
    public synchronized long size() {
        return size;
    }

    @Override
    public synchronized void upsert(long id, float[] vector) {
        if (vector.length != dimension) {
            throw new VectorIndexException("vector has " + vector.length + " dimensions, index has " + dimension);
        }
        Integer slot = slotOf.get(id);
        if (slot == null) {
            if (size == ids.length) {
                ids = Arrays.copyOf(ids, size * 2);
                vectors = Arrays.copyOf(vectors, size * 2 * dimension);
            }
            slot = size++;
            ids[slot] = id;
            slotOf.put(id, slot);
        }
        System.arraycopy(vector, 0, vectors, slot * dimension, dimension);
    }

    @Override
    public synchronized boolean remove(long id) {
        Integer slot = slotOf.remove(id);
        if (slot == null) {
            return false;
        }
        int last = --size;
        if (slot != last) {
            ids[slot] = ids[last];
            System.arraycopy(vectors, last * dimension, vectors, slot * dimension, dimension);
            slotOf.put(ids[slot], slot);
        }
        return true;
    }

    @Override
    public synchronized float[][] vectors(long[] ids) {
        float[][] out = new float[ids.length][];
        for (int i = 0; i < ids.length; i++) {
            out[i] = vector(ids[i]);
        }
        return out;
    }

    /** The stored vector, or null. */
    public synchronized float[] vector(long id) {
        Integer slot = slotOf.get(id);
        return slot == null ? null : Arrays.copyOfRange(vectors, slot * dimension, (slot + 1) * dimension);
    }

    @Override
    public synchronized Hits search(float[] query, int k, IdFilter admitted) {
        PriorityQueue<long[]> heap = new PriorityQueue<>(k + 1, (a, b) -> Float.compare(Float.intBitsToFloat((int) a[1]), Float.intBitsToFloat((int) b[1])));
        for (int slot = 0; slot < size; slot++) {
            if (admitted != null && !admitted.admits(ids[slot])) {
                continue;
            }
            float score = dot(query, vectors, slot * dimension, dimension);
            if (heap.size() < k) {
                heap.add(new long[] {ids[slot], Float.floatToRawIntBits(score)});
            } else if (score > Float.intBitsToFloat((int) heap.peek()[1])) {
                heap.poll();
                heap.add(new long[] {ids[slot], Float.floatToRawIntBits(score)});
            }
        }
        int n = heap.size();
        long[] outIds = new long[n];
        float[] outScores = new float[n];
        for (int i = n - 1; i >= 0; i--) {
            long[] e = heap.poll();
            outIds[i] = e[0];
            outScores[i] = Float.intBitsToFloat((int) e[1]);
        }
        return new Hits(outIds, outScores);
    }

    static float dot(float[] q, float[] data, int offset, int dimension) {
        float s = 0;
        for (int i = 0; i < dimension; i++) {
            s += q[i] * data[offset + i];
        }
        return s;
    }

    @Override
    public synchronized void save(Path file) {
        try (DataOutputStream out = new DataOutputStream(new java.io.BufferedOutputStream(Files.newOutputStream(file)))) {
            out.writeInt(dimension);
            out.writeInt(size);
            for (int slot = 0; slot < size; slot++) {
                out.writeLong(ids[slot]);
                for (int i = 0; i < dimension; i++) {
                    out.writeFloat(vectors[slot * dimension + i]);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static ExactIndex load(Path file) {
        try (DataInputStream in = new DataInputStream(new java.io.BufferedInputStream(Files.newInputStream(file)))) {
            ExactIndex index = new ExactIndex(in.readInt());
            int n = in.readInt();
            float[] v = new float[index.dimension];
            for (int slot = 0; slot < n; slot++) {
                long id = in.readLong();
                for (int i = 0; i < v.length; i++) {
                    v[i] = in.readFloat();
                }
                index.upsert(id, v);
            }
            return index;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {}
}
