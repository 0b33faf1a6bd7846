package perf

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/quell-dev/quell/internal/config"
)

const statusText = `Name:	worker
Umask:	0022
State:	S (sleeping)
VmPeak:	 1874184 kB
VmSize:	 1874184 kB
VmLck:	       0 kB
VmHWM:	   43912 kB
VmRSS:	   41032 kB
RssAnon:	   25104 kB
Threads:	9
`

func TestParseStatus(t *testing.T) {
	m, err := ParseStatus(statusText)
	if err != nil {
		t.Fatal(err)
	}
	if m.RSS != 41032*1024 || m.HWM != 43912*1024 {
		t.Errorf("got RSS %d, HWM %d", m.RSS, m.HWM)
	}
	for name, text := range map[string]string{
		"zombie (no Vm lines)": "Name:\tworker\nState:\tZ (zombie)\n",
		"no VmHWM":             "VmRSS:\t  100 kB\n",
		"no VmRSS":             "VmHWM:\t  100 kB\n",
		"not kB":               "VmHWM:\t  100 kB\nVmRSS:\t  100 MB\n",
		"not a number":         "VmHWM:\t  100 kB\nVmRSS:\t  1e3 kB\n",
		"negative":             "VmHWM:\t  100 kB\nVmRSS:\t  -5 kB\n",
		"empty":                "",
	} {
		if _, err := ParseStatus(text); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func TestParseStat(t *testing.T) {
	// The command name may hold spaces and parentheses.
	text := "4242 (my (odd) name) S 1 4242 4242 0 -1 4194560 120 0 0 0 150 37 0 0 20 0 9 0 1013484 1874184 10258 18446744073709551615\n"
	d, err := ParseStat(text)
	if err != nil {
		t.Fatal(err)
	}
	if want := 187 * 10 * time.Millisecond; d != want {
		t.Errorf("got %s, want %s (150 + 37 ticks)", d, want)
	}
	for name, text := range map[string]string{
		"no name":      "4242 S 1 2 3",
		"too short":    "4242 (w) S 1 4242 4242 0 -1 4194560 120 0 0 0 150",
		"not a number": "4242 (w) S 1 4242 4242 0 -1 4194560 120 0 0 0 x 37 0 0",
	} {
		if _, err := ParseStat(text); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	// This process's own line parses.
	if _, err := ReadCPU(os.Getpid()); err != nil {
		t.Errorf("own /proc/self/stat: %v", err)
	}
	if m, err := ReadMem(os.Getpid()); err != nil || m.RSS <= 0 || m.HWM < m.RSS {
		t.Errorf("own /proc/self/status: %+v, %v", m, err)
	}
}

func TestMedian(t *testing.T) {
	for _, c := range []struct {
		in   []float64
		want float64
	}{
		{nil, 0},
		{[]float64{7}, 7},
		{[]float64{3, 1, 2}, 2},
		{[]float64{4, 1, 3, 2}, 2.5},
		{[]float64{10, 10, 1000}, 10},
	} {
		in := append([]float64(nil), c.in...)
		if got := Median(c.in); got != c.want {
			t.Errorf("Median(%v) = %v, want %v", in, got, c.want)
		}
		for i := range in {
			if in[i] != c.in[i] {
				t.Errorf("Median changed its input: %v -> %v", in, c.in)
			}
		}
	}
}

func TestPercentile(t *testing.T) {
	var lat []time.Duration
	for i := 100; i >= 1; i-- {
		lat = append(lat, time.Duration(i)*time.Millisecond)
	}
	s := Summarize(lat)
	if s.N != 100 || s.P50 != 50*time.Millisecond || s.P99 != 99*time.Millisecond || s.Max != 100*time.Millisecond {
		t.Errorf("1..100 ms: %+v", s)
	}
	one := []time.Duration{time.Second}
	if Percentile(one, 50) != time.Second || Percentile(one, 99) != time.Second {
		t.Error("a single value is every percentile")
	}
	if Percentile(nil, 50) != 0 || Summarize(nil).Max != 0 {
		t.Error("no values: 0")
	}
	// Nearest rank: of 10 values, p99 is the largest, p90 the ninth.
	ten := []time.Duration{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}
	if Percentile(ten, 99) != 10 || Percentile(ten, 90) != 9 || Percentile(ten, 50) != 5 || Percentile(ten, 100) != 10 {
		t.Errorf("p99 %d, p90 %d, p50 %d", Percentile(ten, 99), Percentile(ten, 90), Percentile(ten, 50))
	}
}

func TestSamplerSummaries(t *testing.T) {
	s := &Sampler{hwm: map[string]int64{"worker": 900}}
	for i, rss := range []int64{100, 500, 300, 200, 210, 220} {
		s.samples = append(s.samples, Sample{At: time.Duration(i) * time.Second, RSS: map[string]int64{"worker": rss}})
	}
	if got := s.Peak("worker"); got != 500 {
		t.Errorf("peak %d, want 500", got)
	}
	// From 3 s on: 200, 210, 220.
	if got := s.Steady("worker", 3*time.Second); got != 210 {
		t.Errorf("steady %d, want 210", got)
	}
	if s.HWM("worker") != 900 || s.Peak("ingest") != 0 || s.Steady("ingest", 0) != 0 {
		t.Error("HWM, or a process never sampled")
	}
}

func TestResultLines(t *testing.T) {
	r := R("BenchmarkPerfIngest/conc=16/impl=quell", 3).Add(5123.4567, "req/s").Add(2.9, "p50-ms").Add(0.31234, "x-baseline").Add(0, "errors")
	line := r.String()
	if want := "BenchmarkPerfIngest/conc=16/impl=quell\t3\t5123 req/s\t2.9 p50-ms\t0.312 x-baseline\t0 errors"; line != want {
		t.Errorf("got  %q\nwant %q", line, want)
	}
	back, ok, err := ParseResult(line)
	if err != nil || !ok {
		t.Fatalf("parse: %v %v", ok, err)
	}
	if back.Base() != "BenchmarkPerfIngest" || back.Label("conc") != "16" || back.Label("impl") != "quell" || back.Label("run") != "" || back.N != 3 {
		t.Errorf("parsed %+v", back)
	}
	if v, ok := back.Get("p50-ms"); !ok || v != 2.9 {
		t.Errorf("p50-ms %v %v", v, ok)
	}
	if _, ok := back.Get("p99-ms"); ok {
		t.Error("p99-ms is not there")
	}
	for _, l := range []string{"goos: linux", "", "12:00:00.000  scenario ingest"} {
		if _, ok, err := ParseResult(l); ok || err != nil {
			t.Errorf("%q: not a result line (%v %v)", l, ok, err)
		}
	}
	for _, l := range []string{"BenchmarkX", "BenchmarkX two 3 req/s", "BenchmarkX 1 3", "BenchmarkX 1 x req/s"} {
		if _, ok, err := ParseResult(l); !ok || err == nil {
			t.Errorf("%q: want an error (%v %v)", l, ok, err)
		}
	}
}

func TestFormatValue(t *testing.T) {
	for v, want := range map[float64]string{12345.6: "12346", 123.45: "123.5", 1.5: "1.5", 2: "2", 0.0001: "0", 0.01234: "0.012", -3.25: "-3.25"} {
		if got := FormatValue(v); got != want {
			t.Errorf("FormatValue(%v) = %q, want %q", v, got, want)
		}
	}
}

func TestMarkdown(t *testing.T) {
	in := `goos: linux
cpu: AMD EPYC
nproc: 2
date: 2026-12-02 01:00 UTC
go: go1.26.8
nats-server: v2.15.2
load-before: 1.00 2.00 3.00
BenchmarkPerfIngestRun/conc=16/impl=quell/run=1	1	4000 req/s	3 p50-ms	9 p99-ms
BenchmarkPerfIngest/conc=16/impl=quell	3	4100 req/s	3.1 p50-ms	9.5 p99-ms	160 server-cpu-us/req	60 nats-cpu-us/req	0.4 x-baseline	250 server-total-cpu-us/req	90 nats-total-cpu-us/req	30000 index-lag-events
BenchmarkPerfIngest/conc=16/impl=baseline	3	10250 req/s	1.1 p50-ms	4 p99-ms	45 server-cpu-us/req	23 nats-cpu-us/req
BenchmarkPerfStorm/alerts=10000/targets=bi	1	10000 actions	63.5 s-to-last-call	5.06 s-to-last-202	157.4 actions/s	42.9 worker-peak-MB
BenchmarkPerfBacklog/events=100000/users=100000/via=ingest/batch=100/targets=bi	1	100000 actions	20 queue-s	300 actions/s
BenchmarkPerfBacklogSeries/events=100000/t=5	1	1500 results	90000 events-pending
BenchmarkPerfStartup/bin=ingest	5	26.4 ready-ms	20 min-ready-ms	33 max-ready-ms	2.5 stop-ms
load-after: 4.00 5.00 6.00
`
	var b strings.Builder
	if err := Markdown(strings.NewReader(in), &b); err != nil {
		t.Fatal(err)
	}
	md := b.String()
	for _, want := range []string{
		"1.00 2.00 3.00 before, 4.00 5.00 6.00 after",
		"| 16 | 4100 | 10250 | 0.4 | 3.1 / 9.5 | 1.1 / 4 | 160 (250) | 45 | 60 (90) / 23 | 30000 |",
		"| 10000 | 10000 | 5.06 | 63.5 | - | 157.4 | 42.9 (-) |",
		"| 100000 (100000) | 20 (-) |",
		"signed webhooks, 100 alerts each",
		"| 5 | 1500 | 90000 | - |",
		"| ingest | 5 | 26.4 | 20 | 33 | 2.5 |",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("markdown lacks %q:\n%s", want, md)
		}
	}
	if strings.Contains(md, "4000") {
		t.Error("a per-run line made it into the summary table")
	}
	if err := Markdown(strings.NewReader("goos: linux\n"), &b); err == nil {
		t.Error("no result lines: want an error")
	}
	if err := Markdown(strings.NewReader("BenchmarkX 1 2\n"), &b); err == nil {
		t.Error("a malformed result line: want an error")
	}
}

// TestConfigLoads checks that the quell.yaml a scenario writes is one the
// programs accept, with and without the blast radius and with every
// target.
func TestConfigLoads(t *testing.T) {
	for _, o := range []*Options{
		{Targets: []string{"bi"}, BlastMax: 1_000_000, LogLevel: "info"},
		{Targets: []string{"bi", "cv", "tf"}, BlastMax: 0, WorkerConcurrency: 32, LogLevel: "warn"},
	} {
		o.RunDir = t.TempDir()
		o.Log = t.Logf
		e, err := NewEnv(o, "test")
		if err != nil {
			t.Fatal(err)
		}
		e.SimURLs["bi"] = "http://127.0.0.1:1"
		for _, q := range []QuellConfig{
			{NATSURL: "nats://127.0.0.1:4222", IngestListen: "127.0.0.1:2", WorkerListen: "127.0.0.1:3"},
			{EmbeddedListen: "127.0.0.1:4", StoreDir: filepath.Join(o.RunDir, "store"), IngestListen: "127.0.0.1:2", WorkerListen: "127.0.0.1:3"},
		} {
			path, err := e.WriteConfig("quell.yaml", q)
			if err != nil {
				t.Fatal(err)
			}
			cfg, err := config.Load(path)
			if err != nil {
				b, _ := os.ReadFile(path)
				t.Fatalf("%v\n%s", err, b)
			}
			if len(cfg.Targets) != len(o.Targets) || len(cfg.Policy.Rules[0].Actions) != len(o.Targets) || cfg.NATS.URL != q.NATSURL {
				t.Errorf("config %+v", cfg)
			}
			if blast := len(cfg.Safety.BlastRadius); (o.BlastMax > 0) != (blast == 1) {
				t.Errorf("blast radius %+v for -blast-max %d", cfg.Safety.BlastRadius, o.BlastMax)
			}
		}
	}
}

func TestOptionsValidate(t *testing.T) {
	good := func() *Options {
		return &Options{Duration: time.Second, Runs: 1, Conc: []int{16}, Storm: 10, StormConc: 4, Backlog: 10, BacklogBatch: 5,
			BacklogUsers: 5, BacklogConc: 2, StartupRuns: 1, Targets: []string{"bi"}, BlastMax: 100}
	}
	if err := good().Validate(); err != nil {
		t.Fatal(err)
	}
	for name, f := range map[string]func(*Options){
		"conc 0":          func(o *Options) { o.Conc = []int{0} },
		"unknown target":  func(o *Options) { o.Targets = []string{"okta"} },
		"batch over 1000": func(o *Options) { o.BacklogBatch = 1001 },
		"blast too big":   func(o *Options) { o.BlastMax = 2_000_000 },
		"no runs":         func(o *Options) { o.Runs = 0 },
	} {
		o := good()
		f(o)
		if err := o.Validate(); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func TestThin(t *testing.T) {
	var rs []*Result
	for i := range 100 {
		rs = append(rs, R(fmt.Sprintf("BenchmarkS/t=%d", i), 1))
	}
	got := thin(rs, 24)
	if len(got) > 26 || got[0] != rs[0] || got[len(got)-1] != rs[99] {
		t.Errorf("%d rows, first %s, last %s", len(got), got[0].Name, got[len(got)-1].Name)
	}
	if len(thin(rs[:10], 24)) != 10 {
		t.Error("fewer than max: all of them")
	}
}
