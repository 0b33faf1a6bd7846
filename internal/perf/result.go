package perf

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Metric is one value of a result line with its unit ("req/s", "p50-ms").
type Metric struct {
	Value float64
	Unit  string
}

// Result is one line in Go benchmark format:
//
//	BenchmarkPerfIngest/conc=16/impl=quell 3 5120 req/s 2.9 p50-ms 9.1 p99-ms
//
// Name is the benchmark name with key=value segments; N the number of
// runs the values summarize.
type Result struct {
	Name    string
	N       int
	Metrics []Metric
}

// R starts a result; add metrics with Add.
func R(name string, n int) *Result { return &Result{Name: name, N: n} }

// Add appends a metric.
func (r *Result) Add(v float64, unit string) *Result {
	r.Metrics = append(r.Metrics, Metric{v, unit})
	return r
}

func (r *Result) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s\t%d", r.Name, r.N)
	for _, m := range r.Metrics {
		fmt.Fprintf(&b, "\t%s %s", FormatValue(m.Value), m.Unit)
	}
	return b.String()
}

// FormatValue prints v with a precision that suits its size, without
// trailing zeros or exponents.
func FormatValue(v float64) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return "0"
	}
	dec := 3
	switch a := math.Abs(v); {
	case a >= 1000:
		dec = 0
	case a >= 100:
		dec = 1
	case a >= 1:
		dec = 2
	}
	s := strconv.FormatFloat(v, 'f', dec, 64)
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	if s == "-0" {
		s = "0"
	}
	return s
}

// Get returns the value of the metric with unit.
func (r *Result) Get(unit string) (float64, bool) {
	for _, m := range r.Metrics {
		if m.Unit == unit {
			return m.Value, true
		}
	}
	return 0, false
}

// Base is the name up to its first "/": BenchmarkPerfIngest.
func (r *Result) Base() string {
	base, _, _ := strings.Cut(r.Name, "/")
	return base
}

// Label returns the value of the key=value segment key of the name.
func (r *Result) Label(key string) string {
	segs := strings.Split(r.Name, "/")
	for _, s := range segs[1:] {
		if k, v, ok := strings.Cut(s, "="); ok && k == key {
			return v
		}
	}
	return ""
}

// ParseResult reads one line. ok is false for a line that is not a
// result (a header, a log line); err is set for a line that starts like
// one and is malformed.
func ParseResult(line string) (r *Result, ok bool, err error) {
	f := strings.Fields(line)
	if len(f) == 0 || !strings.HasPrefix(f[0], "Benchmark") {
		return nil, false, nil
	}
	if len(f) < 2 {
		return nil, true, fmt.Errorf("%q: no run count", line)
	}
	n, err := strconv.Atoi(f[1])
	if err != nil || n < 0 {
		return nil, true, fmt.Errorf("%q: run count %q", line, f[1])
	}
	if len(f)%2 != 0 {
		return nil, true, fmt.Errorf("%q: values and units do not pair up", line)
	}
	r = &Result{Name: f[0], N: n}
	for i := 2; i < len(f); i += 2 {
		v, err := strconv.ParseFloat(f[i], 64)
		if err != nil {
			return nil, true, fmt.Errorf("%q: value %q", line, f[i])
		}
		r.Metrics = append(r.Metrics, Metric{v, f[i+1]})
	}
	return r, true, nil
}
