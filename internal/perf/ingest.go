package perf

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/quell-dev/quell/internal/childproc"
	"github.com/quell-dev/quell/internal/events"
)

// Ingest measures the ingest against its limit: nats-server, the ingest and
// the baseline (a bare HTTP server doing one synchronous JetStream publish
// per request, quell-perf -serve-baseline) each a process of its own, all
// loaded in turn by the same closed-loop client with signed 1 KB
// webhooks. Each run measures every concurrency, Quell and the baseline
// back to back (which goes first alternates between runs); the summary
// lines are medians over the runs, the ratio the median of each run's
// quell/baseline. CPU per request is measured twice: during the
// measurement, and from the warm-up's start until the ingest's API
// indexer, which indexes every stored event after its 202 and falls
// behind under load, has caught up ("total").
func (r *Runner) Ingest(ctx context.Context) (err error) {
	o := r.o
	e, err := NewEnv(o, "ingest")
	if err != nil {
		return err
	}
	defer func() { e.Close(ctx, err) }()
	if err := e.StartNATS(ctx); err != nil {
		return err
	}
	if err := e.StartIngest(ctx); err != nil {
		return err
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	ports, err := childproc.FreePorts(1)
	if err != nil {
		return err
	}
	baseURL := fmt.Sprintf("http://127.0.0.1:%d", ports[0])
	base := e.Procs.New("baseline", self, []string{"-serve-baseline", "-nats", e.NATSURL, "-listen", fmt.Sprintf("127.0.0.1:%d", ports[0])}, nil)
	if _, err := base.Start(); err != nil {
		return err
	}
	if _, err := WaitReady(ctx, base, baseURL+"/readyz", 60*time.Second); err != nil {
		return err
	}
	impls := []struct {
		name, url string
		server    *childproc.Proc
	}{{"quell", e.IngestURL + "/v1/webhooks/siem", e.Ingest}, {"baseline", baseURL + "/", base}}
	maxConc := 0
	for _, c := range o.Conc {
		maxConc = max(maxConc, c)
	}
	client := newClient(maxConc)
	defer client.CloseIdleConnections()

	type key struct {
		conc int
		impl string
	}
	type run struct {
		res                  LoadResult
		server, nats, client time.Duration // CPU during the measurement
		indexLag             uint64
		// CPU from the warm-up's start until the indexer caught up, per
		// accepted request: what each request costs in the end.
		serverAll, natsAll float64
	}
	runs := map[key][]run{}
	for i := 1; i <= o.Runs; i++ {
		for _, c := range o.Conc {
			order := []int{0, 1}
			if i%2 == 0 {
				order = []int{1, 0}
			}
			for _, k := range order {
				im := impls[k]
				// The indexer indexes every stored event after the 202: let it
				// finish the last run's before measuring anything.
				if err := r.waitIndexed(ctx, e); err != nil {
					return err
				}
				procs := map[string]*childproc.Proc{"server": im.server, "nats": e.NATS}
				all0 := cpuTimes(procs)
				var cpu0, cpu1 map[string]time.Duration
				res := ClosedLoop(ctx, client, im.url, fmt.Sprintf("perf-%s-c%d-r%d", im.name, c, i), c, o.Warmup, o.Duration,
					func() { cpu0 = cpuTimes(procs) }, func() { cpu1 = cpuTimes(procs) })
				if ctx.Err() != nil {
					return ctx.Err()
				}
				cpu := cpuDelta(cpu0, cpu1)
				rn := run{res: res, server: cpu["server"], nats: cpu["nats"], client: cpu["client"]}
				if im.name == "quell" {
					rn.indexLag, _ = consumerBacklog(ctx, e.JS, events.StreamEvents, indexConsumer)
					if err := r.waitIndexed(ctx, e); err != nil {
						return err
					}
				}
				all := cpuDelta(all0, cpuTimes(procs))
				rn.serverAll, rn.natsAll = perReq(all["server"], res.Accepted), perReq(all["nats"], res.Accepted)
				runs[key{c, im.name}] = append(runs[key{c, im.name}], rn)
				line := R(fmt.Sprintf("BenchmarkPerfIngestRun/conc=%d/impl=%s/run=%d", c, im.name, i), 1).
					Add(res.ReqPerSec(), "req/s").Add(Ms(res.Lat.P50), "p50-ms").Add(Ms(res.Lat.P99), "p99-ms").Add(Ms(res.Lat.Max), "max-ms").
					Add(float64(res.Errors), "errors").
					Add(perReq(rn.server, res.OK), "server-cpu-us/req").Add(perReq(rn.nats, res.OK), "nats-cpu-us/req").Add(perReq(rn.client, res.OK), "client-cpu-us/req").
					Add(rn.serverAll, "server-total-cpu-us/req").Add(rn.natsAll, "nats-total-cpu-us/req")
				if im.name == "quell" {
					line.Add(float64(rn.indexLag), "index-lag-events")
				}
				r.emit(line)
				o.Log("ingest run %d conc %d %s: %.0f req/s, p50 %.2f ms, p99 %.2f ms, %d errors", i, c, im.name, res.ReqPerSec(), Ms(res.Lat.P50), Ms(res.Lat.P99), res.Errors)
				if res.OK == 0 || res.Errors*100 > res.OK {
					return fmt.Errorf("%s at concurrency %d: %d ok, %d errors (first: %s)", im.name, c, res.OK, res.Errors, res.FirstError)
				}
			}
		}
	}
	for _, c := range o.Conc {
		var ratios []float64
		q, b := runs[key{c, "quell"}], runs[key{c, "baseline"}]
		for i := range q {
			if b[i].res.ReqPerSec() > 0 {
				ratios = append(ratios, q[i].res.ReqPerSec()/b[i].res.ReqPerSec())
			}
		}
		for _, name := range []string{"quell", "baseline"} {
			rs := runs[key{c, name}]
			med := func(f func(run) float64) float64 {
				var xs []float64
				for _, rn := range rs {
					xs = append(xs, f(rn))
				}
				return Median(xs)
			}
			line := R(fmt.Sprintf("BenchmarkPerfIngest/conc=%d/impl=%s", c, name), len(rs)).
				Add(med(func(rn run) float64 { return rn.res.ReqPerSec() }), "req/s").
				Add(med(func(rn run) float64 { return Ms(rn.res.Lat.P50) }), "p50-ms").
				Add(med(func(rn run) float64 { return Ms(rn.res.Lat.P99) }), "p99-ms").
				Add(med(func(rn run) float64 { return perReq(rn.server, rn.res.OK) }), "server-cpu-us/req").
				Add(med(func(rn run) float64 { return perReq(rn.nats, rn.res.OK) }), "nats-cpu-us/req").
				Add(med(func(rn run) float64 { return perReq(rn.client, rn.res.OK) }), "client-cpu-us/req").
				Add(med(func(rn run) float64 { return rn.serverAll }), "server-total-cpu-us/req").
				Add(med(func(rn run) float64 { return rn.natsAll }), "nats-total-cpu-us/req")
			if name == "quell" {
				line.Add(Median(ratios), "x-baseline").Add(med(func(rn run) float64 { return float64(rn.indexLag) }), "index-lag-events")
			}
			r.emit(line)
		}
	}
	return nil
}

func perReq(cpu time.Duration, n int) float64 {
	if n == 0 {
		return 0
	}
	return float64(cpu.Microseconds()) / float64(n)
}

// waitIndexed waits (up to two minutes) until the ingest's indexer has
// indexed every stored event.
func (r *Runner) waitIndexed(ctx context.Context, e *Env) error {
	deadline := time.Now().Add(2 * time.Minute)
	for {
		n, err := consumerBacklog(ctx, e.JS, events.StreamEvents, indexConsumer)
		if err == nil && n == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			r.o.Log("the indexer still has %d events to index after 2 minutes (%v); measuring anyway", n, err)
			return nil
		}
		sleepCtx(ctx, 100*time.Millisecond)
		if ctx.Err() != nil {
			return ctx.Err()
		}
	}
}
