package io.matchstream.index.store;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Where the profiles are, coarsely: the sphere cut into cells of {@link #CELL_DEGREES} latitude by longitude, each
 * holding the dense ids of its profiles (unordered; each id's slot is kept, so a move or delete is O(1)). A radius
 * query visits only the cells that can hold a point within the radius, and learns which of them lie wholly inside
 * it, so the radius narrows the candidates before the plan is chosen.
 *
 * <p>A profile's cell comes from its point on the unit sphere (not its raw lat/lon), so any point the radius
 * check sees is in the cell the grid says. Cells are tested by their centre: every point of a cell lies within
 * {@link #CELL_REACH} of its centre (half its height along the meridian plus at most half its width along the
 * parallel), so by the triangle inequality no cell holding a point within the radius is missed, at the poles and
 * across the antimeridian alike.
 */
final class PlaceGrid {
    static final double CELL_DEGREES = 0.02;
    private static final int LAT_CELLS = (int) Math.round(180 / CELL_DEGREES);
    private static final int LON_CELLS = (int) Math.round(360 / CELL_DEGREES);
    /**
     * Angle (radians) within which a cell's centre lies of each of its points, with slack for rounding and for the
     * radius check's own tolerance (a dot product 1e-15 under the cosine admits up to 5e-8 radians further).
     */
    private static final double CELL_REACH = Math.toRadians(CELL_DEGREES) + 1e-6;

    /**
     * The profiles of one cell: {@code ids[0, size)}, and their points on the unit sphere beside them ({@code
     * points[3 i, 3 i + 3)} is the x, y, z of {@code ids[i]}, the same doubles as the attribute store's), so a
     * radius check of a cell's profiles reads consecutive memory instead of a point anywhere in the store's.
     */
    static final class Cell {
        final int number;
        int[] ids = new int[4];
        double[] points = new double[12];
        int size;

        Cell(int number) {
            this.number = number;
        }
    }

    /**
     * The cells a radius query reaches: {@code cells[0, count)} are cell numbers ({@link #cell(int)}), {@code
     * inside[i]}: every point of {@code cells[i]} is within the radius; {@code profiles}: how many they hold.
     */
    record Reach(int[] cells, boolean[] inside, int count, long profiles) {}

    private final Map<Integer, Cell> cells = new HashMap<>();
    /** The cells by number (in order of creation; a cell stays once made). */
    private final List<Cell> numbered = new ArrayList<>();
    /**
     * Per cell number: its centre (x, y, z at 3 n) and its profile count, side by side in flat arrays. A query
     * whose radius reaches many cells tests them all in one pass over these (tens of KiB, read in order) rather
     * than through the map's nodes and the cells' objects, which a query finds evicted by the search before it:
     * three cache misses a cell took 0.2-0.3 ms a query at 2,500 cells.
     */
    private double[] centres = new double[3 * 64];
    private int[] sizes = new int[64];
    private Cell[] cellOf = new Cell[0];
    private int[] slot = new int[0];

    void ensureCapacity(int capacity) {
        if (capacity > cellOf.length) {
            cellOf = Arrays.copyOf(cellOf, capacity);
            slot = Arrays.copyOf(slot, capacity);
        }
    }

    Cell cell(int number) {
        return numbered.get(number);
    }

    /** Files {@code id} under the cell of its point (x, y, z) on the unit sphere. */
    void add(int id, double x, double y, double z) {
        double lat = latitude(z);
        double lon = Math.toDegrees(Math.atan2(y, x));
        int band = Math.max(0, Math.min(LAT_CELLS - 1, (int) Math.floor((lat + 90) / CELL_DEGREES)));
        int column = Math.floorMod((int) Math.floor((lon + 180) / CELL_DEGREES), LON_CELLS);
        Cell cell = cells.computeIfAbsent(band * LON_CELLS + column, key -> newCell(band, column));
        if (cell.size == cell.ids.length) {
            cell.ids = Arrays.copyOf(cell.ids, cell.size * 2);
            cell.points = Arrays.copyOf(cell.points, cell.size * 6);
        }
        cell.ids[cell.size] = id;
        cell.points[3 * cell.size] = x;
        cell.points[3 * cell.size + 1] = y;
        cell.points[3 * cell.size + 2] = z;
        slot[id] = cell.size++;
        sizes[cell.number] = cell.size;
        cellOf[id] = cell;
    }

    void remove(int id) {
        Cell cell = cellOf[id];
        if (cell == null) {
            return;
        }
        int last = cell.ids[--cell.size];
        cell.ids[slot[id]] = last;
        System.arraycopy(cell.points, 3 * cell.size, cell.points, 3 * slot[id], 3);
        slot[last] = slot[id];
        sizes[cell.number] = cell.size;
        cellOf[id] = null;
    }

    /** The cells that can hold a point within {@code angle} radians of the point (x, y, z) on the unit sphere. */
    Reach near(double x, double y, double z, double angle) {
        double lat = latitude(z);
        double lon = Math.toDegrees(Math.atan2(y, x));
        double reach = angle + CELL_REACH;
        double minDot = reach >= Math.PI ? -2 : Math.cos(reach) - 1e-12;
        double insideDot = angle > CELL_REACH ? Math.cos(angle - CELL_REACH) + 1e-12 : 2;
        // The cells whose centre can be within reach: the latitudes lat +- reach, and the longitudes of a cap of
        // that radius (all of them when it holds a pole); one extra cell each side absorbs rounding.
        double reachDegrees = Math.toDegrees(reach);
        int firstBand = Math.max(0, (int) Math.floor((lat - reachDegrees + 90) / CELL_DEGREES) - 1);
        int lastBand = Math.min(LAT_CELLS - 1, (int) Math.floor((lat + reachDegrees + 90) / CELL_DEGREES) + 1);
        double spread = Math.sin(reach) / Math.cos(Math.toRadians(lat));
        boolean allColumns = lat + reachDegrees >= 90 || lat - reachDegrees <= -90 || reach >= Math.PI / 2 || !(spread < 1);
        int firstColumn = 0;
        int columns = LON_CELLS;
        if (!allColumns) {
            double halfWidth = Math.toDegrees(Math.asin(spread));
            firstColumn = (int) Math.floor((lon - halfWidth + 180) / CELL_DEGREES) - 1;
            columns = Math.min(LON_CELLS, (int) Math.floor((lon + halfWidth + 180) / CELL_DEGREES) + 1 - firstColumn + 1);
        }
        int made = numbered.size();
        int[] found = new int[16];
        boolean[] inside = new boolean[16];
        int count = 0;
        long profiles = 0;
        boolean everyCell = (long) (lastBand - firstBand + 1) * columns > made;
        int candidates = everyCell ? made : (lastBand - firstBand + 1) * columns;
        for (int i = 0; i < candidates; i++) {
            int n;
            if (everyCell) {
                n = i;
            } else {
                Cell cell = cells.get((firstBand + i / columns) * LON_CELLS + Math.floorMod(firstColumn + i % columns, LON_CELLS));
                if (cell == null) {
                    continue;
                }
                n = cell.number;
            }
            double dot = centres[3 * n] * x + centres[3 * n + 1] * y + centres[3 * n + 2] * z;
            if (sizes[n] > 0 && dot >= minDot) {
                if (count == found.length) {
                    found = Arrays.copyOf(found, 2 * count);
                    inside = Arrays.copyOf(inside, 2 * count);
                }
                found[count] = n;
                inside[count++] = dot >= insideDot;
                profiles += sizes[n];
            }
        }
        return new Reach(found, inside, count, profiles);
    }

    private static double latitude(double z) {
        return Math.toDegrees(Math.asin(Math.max(-1, Math.min(1, z))));
    }

    private Cell newCell(int band, int column) {
        Cell cell = new Cell(numbered.size());
        numbered.add(cell);
        if (cell.number == sizes.length) {
            sizes = Arrays.copyOf(sizes, 2 * cell.number);
            centres = Arrays.copyOf(centres, 6 * cell.number);
        }
        double latRad = Math.toRadians(-90 + (band + 0.5) * CELL_DEGREES);
        double lonRad = Math.toRadians(-180 + (column + 0.5) * CELL_DEGREES);
        centres[3 * cell.number] = Math.cos(latRad) * Math.cos(lonRad);
        centres[3 * cell.number + 1] = Math.cos(latRad) * Math.sin(lonRad);
        centres[3 * cell.number + 2] = Math.sin(latRad);
        return cell;
    }
}
