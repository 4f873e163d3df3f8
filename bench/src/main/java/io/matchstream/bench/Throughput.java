package io.matchstream.bench;

/** Records moved per second between the first and the last observed progress, so start-up is left out. */
record Throughput(long records, double seconds, long peakHeapBytes, double checkpointP99Ms) {
    double perSecond() {
        return records / seconds;
    }
}
