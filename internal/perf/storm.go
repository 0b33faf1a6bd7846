package perf

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/quell-dev/quell/internal/childproc"
	"github.com/quell-dev/quell/internal/events"
)

// effect is the part of a simulator's effect log entry (GET /_sim/effects,
// pamsim -admin) the storm reads.
type effect struct {
	Seq      int64     `json:"seq"`
	Time     time.Time `json:"time"`
	Status   int       `json:"status"`
	ActionID string    `json:"action_id"`
}

var adminClient = &http.Client{Timeout: 30 * time.Second}

func readEffects(ctx context.Context, base string, since int64) ([]effect, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, fmt.Sprintf("%s/_sim/effects?since=%d", base, since), nil)
	if err != nil {
		return nil, err
	}
	resp, err := adminClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer func() { _ = resp.Body.Close() }()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %s", req.URL, resp.Status)
	}
	var out []effect
	return out, json.NewDecoder(resp.Body).Decode(&out)
}

// effectLog follows the effect logs of every simulator of the run.
type effectLog struct {
	since  map[string]int64
	writes int
	byID   map[string]int // writes per action id
	last   time.Time      // the latest write
}

func (l *effectLog) poll(ctx context.Context, sims map[string]string, targets []string) error {
	for _, t := range targets {
		list, err := readEffects(ctx, sims[t], l.since[t])
		if err != nil {
			return err
		}
		for _, ef := range list {
			l.since[t] = max(l.since[t], ef.Seq)
			if ef.ActionID == "" || ef.Status < 200 || ef.Status > 299 {
				continue
			}
			l.writes++
			l.byID[ef.ActionID]++
			if ef.Time.After(l.last) {
				l.last = ef.Time
			}
		}
	}
	return nil
}

// Storm sends Storm alerts about as many distinct users in one burst
// (StormConc senders, as fast as the ingest answers) to a running ingest
// and worker, and measures the time from the first send to the last
// target write (the simulators' effect logs), and the memory and CPU of
// each process meanwhile.
func (r *Runner) Storm(ctx context.Context) (err error) {
	o := r.o
	if o.BlastMax > 0 && o.Storm > o.BlastMax {
		return fmt.Errorf("-storm %d is over -blast-max %d: most actions would be parked", o.Storm, o.BlastMax)
	}
	e, err := NewEnv(o, "storm")
	if err != nil {
		return err
	}
	defer func() { e.Close(ctx, err) }()
	if err := e.StartNATS(ctx); err != nil {
		return err
	}
	if err := e.StartSim(ctx, o.Storm, true); err != nil {
		return err
	}
	if err := e.StartIngest(ctx); err != nil {
		return err
	}
	if _, _, err := e.StartWorker(ctx); err != nil {
		return err
	}
	procs := map[string]*childproc.Proc{"worker": e.Worker, "ingest": e.Ingest, "nats": e.NATS, "pamsim": e.Sim}
	sampler := StartSampler(procs, 100*time.Millisecond)
	cpu0 := cpuTimes(procs)
	client := newClient(o.StormConc)
	defer client.CloseIdleConnections()
	url := e.IngestURL + "/v1/webhooks/siem"
	o.Log("storm: %d alerts, %d senders", o.Storm, o.StormConc)
	start, retries, err := sendAll(ctx, client, o.Storm, o.StormConc, func(ctx context.Context, i int) (*http.Request, error) {
		id := fmt.Sprintf("storm-%d", i)
		return signedRequest(ctx, url, id, alertAbout(userName(i+1), id))
	})
	sent := time.Now()
	if err != nil {
		sampler.Stop()
		return fmt.Errorf("sending: %w", err)
	}
	o.Log("storm: all %d accepted in %s", o.Storm, sent.Sub(start).Round(time.Millisecond))
	want := o.Storm * len(o.Targets)
	log := &effectLog{since: map[string]int64{}, byID: map[string]int{}}
	var results uint64
	var lastResult time.Time
	deadline := time.Now().Add(o.Timeout)
	for {
		if err := log.poll(ctx, e.SimURLs, o.Targets); err != nil {
			sampler.Stop()
			return err
		}
		results, lastResult, _ = streamState(ctx, e.JS, events.StreamResults)
		if log.writes >= want && results >= uint64(want) {
			break
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			sampler.Stop()
			return fmt.Errorf("%d target writes and %d results of %d after %s: %w", log.writes, results, want, o.Timeout, errTimeout)
		}
		sleepCtx(ctx, 100*time.Millisecond)
	}
	cpu := cpuDelta(cpu0, cpuTimes(procs))
	sampler.Stop()
	extra := 0
	for _, n := range log.byID {
		extra += n - 1
	}
	toLast := log.last.Sub(start)
	line := R(fmt.Sprintf("BenchmarkPerfStorm/alerts=%d/targets=%s", o.Storm, strings.Join(o.Targets, "+")), 1).
		Add(float64(want), "actions").
		Add(toLast.Seconds(), "s-to-last-call").
		Add(sent.Sub(start).Seconds(), "s-to-last-202").
		Add(lastResult.Sub(start).Seconds(), "s-to-last-result").
		Add(float64(want)/toLast.Seconds(), "actions/s").
		Add(float64(retries), "send-retries").
		Add(float64(extra), "extra-writes")
	for _, name := range []string{"worker", "ingest", "nats", "pamsim"} {
		line.Add(MB(sampler.Peak(name)), name+"-peak-MB").Add(MB(sampler.HWM(name)), name+"-hwm-MB")
	}
	for _, name := range []string{"worker", "ingest", "nats", "pamsim", "client"} {
		line.Add(cpu[name].Seconds(), name+"-cpu-s")
	}
	r.emit(line)
	o.Log("storm: last target call %.2f s after the first send (%.0f actions/s), worker peak %.0f MB, ingest peak %.0f MB",
		toLast.Seconds(), float64(want)/toLast.Seconds(), MB(sampler.HWM("worker")), MB(sampler.HWM("ingest")))
	return nil
}
