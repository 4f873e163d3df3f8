package io.matchstream.embedding;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.apache.flink.metrics.HistogramStatistics;
import org.junit.jupiter.api.Test;

class RecentValuesHistogramTest {

    @Test
    void handsOutTheLastValuesOldestFirstAcrossTheRingsWrap() {
        RecentValuesHistogram h = new RecentValuesHistogram(4);
        for (long v = 1; v <= 6; v++) {
            h.update(v * 10);
        }
        assertThat(h.getCount()).isEqualTo(6);
        assertThat(h.lastValues(4)).containsExactly(30, 40, 50, 60);
        assertThat(h.lastValues(2)).containsExactly(50, 60);
        assertThat(h.lastValues(0)).isEmpty();
    }

    @Test
    void refusesToHandOutMoreThanItKeeps() {
        RecentValuesHistogram h = new RecentValuesHistogram(4);
        h.update(1);
        h.update(2);
        assertThatThrownBy(() -> h.lastValues(3)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("2 are kept");
        for (int i = 0; i < 10; i++) {
            h.update(i);
        }
        assertThatThrownBy(() -> h.lastValues(5)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("4 are kept");
    }

    @Test
    void statisticsCoverTheKeptValuesByNearestRank() {
        RecentValuesHistogram h = new RecentValuesHistogram(100);
        h.update(1_000_000); // pushed out by the 100 below
        for (long v = 100; v >= 1; v--) {
            h.update(v);
        }
        HistogramStatistics s = h.getStatistics();
        assertThat(s.size()).isEqualTo(100);
        assertThat(s.getMin()).isEqualTo(1);
        assertThat(s.getMax()).isEqualTo(100);
        assertThat(s.getQuantile(0.50)).isEqualTo(50);
        assertThat(s.getQuantile(0.99)).isEqualTo(99);
        assertThat(s.getMean()).isEqualTo(50.5);
        assertThat(new RecentValuesHistogram(3).getStatistics().getQuantile(0.5)).isZero();
    }

    @Test
    void nearestRankStaysInsideTheArray() {
        assertThat(RecentValuesHistogram.nearestRank(1, 0.99)).isZero();
        assertThat(RecentValuesHistogram.nearestRank(10, 0.0)).isZero();
        assertThat(RecentValuesHistogram.nearestRank(10, 1.0)).isEqualTo(9);
        assertThat(RecentValuesHistogram.nearestRank(200, 0.99)).isEqualTo(197);
    }
}
