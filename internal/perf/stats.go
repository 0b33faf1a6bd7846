package perf

import (
	"math"
	"slices"
	"time"
)

// Median is the middle value of xs (the mean of the two middle values for
// an even count), or 0 for none. xs is not changed.
func Median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// Percentile is the nearest-rank p-th percentile (0 < p <= 100) of sorted:
// the smallest value with at least p% of the values at or below it. 0 for
// no values.
func Percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	rank := int(math.Ceil(p / 100 * float64(len(sorted))))
	return sorted[min(max(rank, 1), len(sorted))-1]
}

// Latency summarizes a run's latencies. It sorts lat in place.
type Latency struct {
	N             int
	P50, P99, Max time.Duration
}

// Summarize sorts lat and summarizes it.
func Summarize(lat []time.Duration) Latency {
	slices.Sort(lat)
	l := Latency{N: len(lat), P50: Percentile(lat, 50), P99: Percentile(lat, 99)}
	if len(lat) > 0 {
		l.Max = lat[len(lat)-1]
	}
	return l
}

// Ms is d in milliseconds.
func Ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
