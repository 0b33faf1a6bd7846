package perf

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/quell-dev/quell/internal/childproc"
	"github.com/quell-dev/quell/internal/events"
)

// Backlog queues Backlog alerts through the ingest (signed webhooks of
// BacklogBatch alerts each, as a generic source accepts them) while the
// worker is stopped, then starts the worker and follows the drain: the
// results stream, the planner's and executor's backlogs, and the resident
// memory of ingest, worker and nats-server, until every action has its
// result.
func (r *Runner) Backlog(ctx context.Context) (err error) {
	o := r.o
	if o.BlastMax > 0 && o.Backlog > o.BlastMax {
		return fmt.Errorf("-backlog %d is over -blast-max %d: most actions would be parked", o.Backlog, o.BlastMax)
	}
	e, err := NewEnv(o, "backlog")
	if err != nil {
		return err
	}
	defer func() { e.Close(ctx, err) }()
	if err := e.StartNATS(ctx); err != nil {
		return err
	}
	users := o.Backlog
	if o.BacklogUsers > 0 {
		users = min(o.BacklogUsers, o.Backlog)
	}
	if err := e.StartSim(ctx, users, false); err != nil {
		return err
	}
	if err := e.StartIngest(ctx); err != nil {
		return err
	}
	// A first start creates the worker's consumers; the backlog then waits
	// for it as it would for a worker that is down.
	if _, _, err := e.StartWorker(ctx); err != nil {
		return err
	}
	e.Worker.Terminate(30 * time.Second)

	via := fmt.Sprintf("ingest (signed webhooks of %d alerts, %d senders)", o.BacklogBatch, o.BacklogConc)
	o.Log("backlog: queueing %d alerts about %d users via %s", o.Backlog, users, via)
	qprocs := map[string]*childproc.Proc{"ingest": e.Ingest, "nats": e.NATS}
	qsampler := StartSampler(qprocs, 100*time.Millisecond)
	qcpu0 := cpuTimes(qprocs)
	client := newClient(o.BacklogConc)
	defer client.CloseIdleConnections()
	url := e.IngestURL + "/v1/webhooks/siem"
	batches := (o.Backlog + o.BacklogBatch - 1) / o.BacklogBatch
	start, retries, err := sendAll(ctx, client, batches, o.BacklogConc, func(ctx context.Context, b int) (*http.Request, error) {
		id := fmt.Sprintf("backlog-%d", b)
		var body bytes.Buffer
		body.WriteByte('[')
		for i := b * o.BacklogBatch; i < min((b+1)*o.BacklogBatch, o.Backlog); i++ {
			if i > b*o.BacklogBatch {
				body.WriteByte(',')
			}
			body.Write(alertAbout(userName(i%users+1), fmt.Sprintf("backlog-alert-%d", i)))
		}
		body.WriteByte(']')
		return signedRequest(ctx, url, id, body.Bytes())
	})
	queued := time.Now()
	qcpu := cpuDelta(qcpu0, cpuTimes(qprocs))
	qsampler.Stop()
	if err != nil {
		return fmt.Errorf("queueing: %w", err)
	}
	stored, _, err := streamState(ctx, e.JS, events.StreamEvents)
	if err != nil {
		return err
	}
	if stored < uint64(o.Backlog) {
		return fmt.Errorf("%d events stored for %d alerts sent", stored, o.Backlog)
	}
	queueTime := queued.Sub(start)
	o.Log("backlog: %d events stored in %s (%.0f/s)", stored, queueTime.Round(time.Millisecond), float64(o.Backlog)/queueTime.Seconds())

	want := uint64(o.Backlog * len(o.Targets))
	procs := map[string]*childproc.Proc{"worker": e.Worker, "ingest": e.Ingest, "nats": e.NATS, "pamsim": e.Sim}
	cpu0 := cpuTimes(procs)
	sampler := StartSampler(procs, 100*time.Millisecond)
	wstart, wready, err := e.StartWorker(ctx)
	if err != nil {
		sampler.Stop()
		return err
	}
	o.Log("backlog: worker ready after %s; draining %d actions", wready.Sub(wstart).Round(time.Millisecond), want)
	nextSeries := o.SeriesEvery
	var results uint64
	var lastResult time.Time
	idle := 0
	deadline := time.Now().Add(o.Timeout)
	for {
		sleepCtx(ctx, 250*time.Millisecond)
		if ctx.Err() != nil {
			sampler.Stop()
			return ctx.Err()
		}
		results, lastResult, _ = streamState(ctx, e.JS, events.StreamResults)
		evPending, _ := consumerBacklog(ctx, e.JS, events.StreamEvents, events.ConsumerPlanner)
		acPending, _ := consumerBacklog(ctx, e.JS, events.StreamActions, events.ConsumerExecutor)
		if at := time.Since(wstart); at >= nextSeries {
			smp := sampler.Latest()
			s := R(fmt.Sprintf("BenchmarkPerfBacklogSeries/events=%d/t=%d", o.Backlog, int(nextSeries.Seconds())), 1).
				Add(float64(results), "results").Add(float64(evPending), "events-pending").Add(float64(acPending), "actions-pending").
				Add(MB(smp.RSS["worker"]), "worker-MB").Add(MB(smp.RSS["ingest"]), "ingest-MB").Add(MB(smp.RSS["nats"]), "nats-MB")
			r.emit(s)
			o.Log("backlog: t=%ds results %d/%d, events pending %d, actions pending %d, RSS worker %.0f MB ingest %.0f MB nats %.0f MB",
				int(nextSeries.Seconds()), results, want, evPending, acPending, MB(smp.RSS["worker"]), MB(smp.RSS["ingest"]), MB(smp.RSS["nats"]))
			nextSeries += o.SeriesEvery
		}
		if results >= want {
			break
		}
		// Nothing left anywhere, yet results are missing: some actions
		// ended elsewhere (parked, dead-lettered); stop and say so.
		if evPending == 0 && acPending == 0 {
			if idle++; idle >= 8 {
				sampler.Stop()
				return fmt.Errorf("drained with %d results of %d: see the worker log in %s (and -keep)", results, want, e.Worker.Log())
			}
		} else {
			idle = 0
		}
		if time.Now().After(deadline) {
			sampler.Stop()
			return fmt.Errorf("%d results of %d after %s: %w", results, want, o.Timeout, errTimeout)
		}
	}
	cpu := cpuDelta(cpu0, cpuTimes(procs))
	sampler.Stop()
	drain := lastResult.Sub(wstart)
	// Steady state: the median over the second half of the drain.
	half := drain / 2
	line := R(fmt.Sprintf("BenchmarkPerfBacklog/events=%d/users=%d/via=ingest/batch=%d/targets=%s", o.Backlog, users, o.BacklogBatch, strings.Join(o.Targets, "+")), 1).
		Add(float64(want), "actions").
		Add(queueTime.Seconds(), "queue-s").Add(float64(o.Backlog)/queueTime.Seconds(), "queued-events/s").Add(float64(retries), "send-retries").
		Add(Ms(wready.Sub(wstart)), "worker-ready-ms").
		Add(drain.Seconds(), "drain-s").
		Add(float64(want)/lastResult.Sub(wready).Seconds(), "actions/s").
		Add(MB(qsampler.HWM("ingest")), "ingest-queue-hwm-MB").Add(MB(qsampler.Peak("nats")), "nats-queue-peak-MB").
		Add(qcpu["ingest"].Seconds(), "ingest-queue-cpu-s").Add(qcpu["nats"].Seconds(), "nats-queue-cpu-s")
	for _, name := range []string{"worker", "ingest", "nats"} {
		line.Add(MB(sampler.Peak(name)), name+"-peak-MB").Add(MB(sampler.Steady(name, half)), name+"-steady-MB").Add(MB(sampler.HWM(name)), name+"-hwm-MB")
	}
	for _, name := range []string{"worker", "ingest", "nats", "pamsim", "client"} {
		line.Add(cpu[name].Seconds(), name+"-cpu-s")
	}
	r.emit(line)
	o.Log("backlog: %d actions drained in %s (%.0f/s after ready); worker peak %.0f MB, steady %.0f MB",
		want, drain.Round(time.Millisecond), float64(want)/lastResult.Sub(wready).Seconds(), MB(sampler.Peak("worker")), MB(sampler.Steady("worker", half)))
	return nil
}
