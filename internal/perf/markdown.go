package perf

import (
	"bufio"
	"fmt"
	"io"
	"strings"
)

// Markdown turns the output of a run (header lines and result lines) into
// the markdown section of reports/bench-perf.md: one table per scenario
// that ran.
func Markdown(in io.Reader, w io.Writer) error {
	hdr := map[string]string{}
	var res []*Result
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 1<<16), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		r, ok, err := ParseResult(line)
		if err != nil {
			return err
		}
		if ok {
			res = append(res, r)
			continue
		}
		if k, v, ok := strings.Cut(line, ": "); ok && !strings.ContainsAny(k, " \t") {
			hdr[k] = v
		}
	}
	if err := sc.Err(); err != nil {
		return err
	}
	if len(res) == 0 {
		return fmt.Errorf("no result lines")
	}
	by := func(base string) []*Result {
		var out []*Result
		for _, r := range res {
			if r.Base() == base {
				out = append(out, r)
			}
		}
		return out
	}
	v := func(r *Result, unit string) string {
		x, ok := r.Get(unit)
		if !ok {
			return "-"
		}
		return FormatValue(x)
	}
	p := func(format string, args ...any) { fmt.Fprintf(w, format, args...) }

	p("## Process-level benchmarks (quell-perf)\n\n")
	p("- Date: %s; machine: %s cores, %s\n", hdr["date"], hdr["nproc"], hdr["cpu"])
	p("- Load average (1, 5, 15 min): %s before, %s after\n", hdr["load-before"], hdr["load-after"])
	p("- Go %s, nats-server %s (a separate process, one node, file storage); targets %s, worker.concurrency %s, blast radius %s, log level %s\n",
		strings.TrimPrefix(hdr["go"], "go"), hdr["nats-server"], hdr["targets"], hdr["worker-concurrency"], hdr["blast-radius"], hdr["log-level"])
	p("- Every process on this one machine, loopback only: the load generator competes with what it measures.\n")

	if rs := by("BenchmarkPerfIngest"); len(rs) > 0 {
		p("\n### Ingest vs its limit\n\n")
		p("Closed-loop client, signed 1 KB webhooks. Baseline: a bare Go HTTP server (its own process) doing one synchronous JetStream publish per request to the same nats-server. Medians of %d runs; ratio = median of each run's Quell/baseline. ", rs[0].N)
		p("CPU per accepted request: during the measurement, and in total (from the warm-up until the ingest's API indexer, which indexes each stored event after the 202, has caught up). Index lag = events not yet indexed when the measurement ended.\n\n")
		p("| concurrency | Quell req/s | baseline req/s | ratio | Quell p50 / p99 ms | baseline p50 / p99 ms | ingest CPU us/req (total) | baseline CPU us/req | nats CPU us/req, Quell (total) / baseline | index lag |\n")
		p("|---|---|---|---|---|---|---|---|---|---|\n")
		for _, q := range rs {
			if q.Label("impl") != "quell" {
				continue
			}
			b := &Result{}
			for _, x := range rs {
				if x.Label("impl") == "baseline" && x.Label("conc") == q.Label("conc") {
					b = x
				}
			}
			p("| %s | %s | %s | %s | %s / %s | %s / %s | %s (%s) | %s | %s (%s) / %s | %s |\n", q.Label("conc"), v(q, "req/s"), v(b, "req/s"), v(q, "x-baseline"),
				v(q, "p50-ms"), v(q, "p99-ms"), v(b, "p50-ms"), v(b, "p99-ms"), v(q, "server-cpu-us/req"), v(q, "server-total-cpu-us/req"),
				v(b, "server-cpu-us/req"), v(q, "nats-cpu-us/req"), v(q, "nats-total-cpu-us/req"), v(b, "nats-cpu-us/req"), v(q, "index-lag-events"))
		}
	}
	if rs := by("BenchmarkPerfStorm"); len(rs) > 0 {
		p("\n### Storm: one burst of alerts about distinct users\n\n")
		p("Every alert sent at once (signed webhooks, closed loop), one quarantine per alert and target; time from the first send to the simulator's last write. Peak = largest VmRSS sampled every 100 ms (VmHWM in brackets).\n\n")
		p("| alerts | actions | last 202 s | last target call s | last result s | actions/s | worker peak MB | ingest peak MB | nats peak MB | CPU s worker / ingest / nats / pamsim / client |\n")
		p("|---|---|---|---|---|---|---|---|---|---|\n")
		for _, r := range rs {
			p("| %s | %s | %s | %s | %s | %s | %s (%s) | %s (%s) | %s (%s) | %s / %s / %s / %s / %s |\n", r.Label("alerts"), v(r, "actions"),
				v(r, "s-to-last-202"), v(r, "s-to-last-call"), v(r, "s-to-last-result"), v(r, "actions/s"),
				v(r, "worker-peak-MB"), v(r, "worker-hwm-MB"), v(r, "ingest-peak-MB"), v(r, "ingest-hwm-MB"), v(r, "nats-peak-MB"), v(r, "nats-hwm-MB"),
				v(r, "worker-cpu-s"), v(r, "ingest-cpu-s"), v(r, "nats-cpu-s"), v(r, "pamsim-cpu-s"), v(r, "client-cpu-s"))
		}
	}
	if rs := by("BenchmarkPerfBacklog"); len(rs) > 0 {
		p("\n### Backlog: queued while the worker is stopped, then drained\n\n")
		p("Alerts queued through the ingest (signed webhooks, %s alerts each) while the worker is down; then the worker starts. Drain = worker exec to the last result stored; actions/s counted from ready. Steady = median VmRSS over the second half of the drain.\n\n", rs[0].Label("batch"))
		p("| events (users) | queue s (events/s) | worker ready ms | drain s | actions/s | worker peak / steady MB | ingest peak / steady MB | nats peak / steady MB | CPU s worker / ingest / nats / pamsim |\n")
		p("|---|---|---|---|---|---|---|---|---|\n")
		for _, r := range rs {
			p("| %s (%s) | %s (%s) | %s | %s | %s | %s / %s | %s / %s | %s / %s | %s / %s / %s / %s |\n", r.Label("events"), r.Label("users"),
				v(r, "queue-s"), v(r, "queued-events/s"), v(r, "worker-ready-ms"), v(r, "drain-s"), v(r, "actions/s"),
				v(r, "worker-peak-MB"), v(r, "worker-steady-MB"), v(r, "ingest-peak-MB"), v(r, "ingest-steady-MB"), v(r, "nats-peak-MB"), v(r, "nats-steady-MB"),
				v(r, "worker-cpu-s"), v(r, "ingest-cpu-s"), v(r, "nats-cpu-s"), v(r, "pamsim-cpu-s"))
		}
		if ss := thin(by("BenchmarkPerfBacklogSeries"), maxSeriesRows); len(ss) > 0 {
			p("\nDuring the drain (seconds after the worker's exec; the text output has every sample):\n\n")
			p("| t s | results | events pending | actions pending | worker MB | ingest MB | nats MB |\n|---|---|---|---|---|---|---|\n")
			for _, s := range ss {
				p("| %s | %s | %s | %s | %s | %s | %s |\n", s.Label("t"), v(s, "results"), v(s, "events-pending"), v(s, "actions-pending"),
					v(s, "worker-MB"), v(s, "ingest-MB"), v(s, "nats-MB"))
			}
		}
	}
	if rs := by("BenchmarkPerfStartup"); len(rs) > 0 {
		p("\n### Start-up: exec to ready\n\n")
		p("Ready = /readyz answers 200 (polled every 2 ms) for services, exit for quellctl; one untimed warm-up start first. Stop = SIGTERM to exit.\n\n")
		p("| program | runs | median ms | min ms | max ms | stop ms |\n|---|---|---|---|---|---|\n")
		for _, r := range rs {
			p("| %s | %d | %s | %s | %s | %s |\n", r.Label("bin"), r.N, v(r, "ready-ms"), v(r, "min-ready-ms"), v(r, "max-ready-ms"), v(r, "stop-ms"))
		}
	}
	return nil
}

// maxSeriesRows bounds the time series table of the report.
const maxSeriesRows = 24

// thin keeps about limit of rs, evenly spaced, and always the last.
func thin(rs []*Result, limit int) []*Result {
	if len(rs) <= limit {
		return rs
	}
	step := (len(rs) + limit - 1) / limit
	var out []*Result
	for i := 0; i < len(rs); i += step {
		out = append(out, rs[i])
	}
	if out[len(out)-1] != rs[len(rs)-1] {
		out = append(out, rs[len(rs)-1])
	}
	return out
}
