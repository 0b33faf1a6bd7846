package app_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/quell-dev/quell/internal/actions"
	"github.com/quell-dev/quell/internal/events"
	"github.com/quell-dev/quell/internal/pam/beyondinsight/sim"
	"github.com/quell-dev/quell/internal/pam/simkit"
	"github.com/quell-dev/quell/internal/quelltest"
	"github.com/quell-dev/quell/internal/secret"
	"github.com/quell-dev/quell/internal/sourceauth"
)

// These benchmarks measure one fixed-size run each and ignore b.N: run
// them with -benchtime 1x (make bench does). -short shrinks the runs to a
// smoke test of the code path; its numbers mean nothing.

// Target limits for the benchmarks, far above what two cores reach (each
// action also makes lookup calls), so the measurement is Quell's and not
// the default 20 requests/s limiter's.
const (
	benchTargetRate        = 10000
	benchTargetConcurrency = 1024
	benchTargetLimits      = "limits: {rate: 10000, burst: 10000, concurrency: 1024}"
	benchUserBase          = 100000
	slowTargetLatency      = 50 * time.Millisecond
)

// benchCount is n, or a handful under -short so CI can smoke the code.
func benchCount(n int) int {
	if testing.Short() {
		return min(n, 10)
	}
	return n
}

// benchUsers seeds the simulator with n distinct users, ids from
// benchUserBase, so every alert is about a different user and no user
// lock serializes the run.
func benchUsers(n int) []sim.User {
	users := make([]sim.User, 0, n)
	for i := range n {
		name := fmt.Sprintf("bench%06d", i)
		users = append(users, sim.User{UserID: benchUserBase + i, UserName: name, FirstName: "B", EmailAddress: name + "@example.com"})
	}
	return users
}

// BenchmarkE2ELatency is the time from the ingest's 202 to the
// BeyondInsight simulator (zero latency) receiving the quarantine call,
// under an open-loop sender at fixed rates (100/s, 500/s, and 80% of the
// maximum measured first in the same run), with one and two workers.
func BenchmarkE2ELatency(b *testing.B) {
	for _, rate := range []int{100, 500} {
		for _, workers := range []int{1, 2} {
			b.Run(fmt.Sprintf("rate=%d/workers=%d", rate, workers), func(b *testing.B) {
				benchE2E(b, rate, workers, benchCount(1000))
			})
		}
	}
	for _, workers := range []int{1, 2} {
		b.Run(fmt.Sprintf("rate=80pct/workers=%d", workers), func(b *testing.B) {
			most := benchE2EMax(b, workers, benchCount(3000))
			benchE2E(b, max(1, int(0.8*most)), workers, benchCount(3000))
			b.ReportMetric(most, "max-alerts/s") // after benchE2E: ResetTimer drops metrics
		})
	}
}

// benchE2EMax is the pipeline's end-to-end maximum: alerts sent faster
// than it can contain them, counted as quarantine calls per second from
// the first call to the last.
func benchE2EMax(b *testing.B, workers, n int) float64 {
	users := benchUsers(n)
	p := quelltest.StartPipeline(b, quelltest.PipelineOptions{NoWorker: true, BIUsers: users,
		Extra: "safety: {blast_radius: []}", TargetExtra: benchTargetLimits})
	for range workers {
		p.StartWorker(b)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	sendOpenLoop(ctx, b, p.IngestURL, users, 20000)
	if err := waitFor(ctx, func() bool { return p.BI.Count(quarantineRoute) >= n }); err != nil {
		b.Fatalf("%d of %d quarantine calls: %v", p.BI.Count(quarantineRoute), n, err)
	}
	var first, last time.Time
	for _, e := range p.BI.Requests() {
		if _, ok := quarantinedIndex(e); ok {
			if first.IsZero() {
				first = e.Time
			}
			last = e.Time
		}
	}
	if span := last.Sub(first); span > 0 && n > 1 {
		return float64(n-1) / span.Seconds()
	}
	return 1
}

func benchE2E(b *testing.B, rate, workers, n int) {
	users := benchUsers(n)
	// The blast radius would park most of a burst of distinct users: off.
	p := quelltest.StartPipeline(b, quelltest.PipelineOptions{NoWorker: true, BIUsers: users,
		Extra: "safety: {blast_radius: []}", TargetExtra: benchTargetLimits})
	for range workers {
		p.StartWorker(b)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	b.ResetTimer()
	accepted := sendOpenLoop(ctx, b, p.IngestURL, users, rate)
	if err := waitFor(ctx, func() bool { return p.BI.Count(quarantineRoute) >= n }); err != nil {
		b.Fatalf("%d of %d quarantine calls: %v", p.BI.Count(quarantineRoute), n, err)
	}
	b.StopTimer()
	lat := callLatencies(b, p.BI.Requests(), accepted)
	reportLatencies(b, lat)
	b.ReportMetric(float64(n), "alerts")
}

// sendOpenLoop posts one alert per user at start + i/rate whether or not
// earlier ones were answered (an open loop: a slow Quell does not slow the
// sender down), and returns when each 202 was received, by user index.
func sendOpenLoop(ctx context.Context, b *testing.B, url string, users []sim.User, rate int) []time.Time {
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 1024}}
	defer client.CloseIdleConnections()
	interval := time.Second / time.Duration(rate)
	accepted := make([]time.Time, len(users))
	var wg sync.WaitGroup
	start := time.Now()
	for i, u := range users {
		if err := sleepUntil(ctx, start.Add(time.Duration(i)*interval)); err != nil {
			b.Fatal(err)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			accepted[i] = postBenchAlert(ctx, b, client, url, u.UserName, i)
		}()
	}
	// The rate the sender achieved: on a busy machine it can fall behind
	// its schedule, and then the offered rate was not the one named.
	if len(users) > 1 {
		b.ReportMetric(float64(len(users)-1)/time.Since(start).Seconds(), "sent/s")
	}
	wg.Wait()
	return accepted
}

// postBenchAlert sends one signed alert and returns when its 202 arrived (the
// zero time, with the benchmark failed, on any other answer).
func postBenchAlert(ctx context.Context, b *testing.B, client *http.Client, url, user string, i int) time.Time {
	body := []byte(fmt.Sprintf(`{"user":%q,"severity":90,"title":"bench"}`, user))
	id := fmt.Sprintf("msg_bench_e2e_%d", i)
	now := time.Now()
	sig, err := sourceauth.Sign(secret.New(quelltest.WebhookSecret), id, now, body)
	if err != nil {
		b.Error(err)
		return time.Time{}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url+"/v1/webhooks/demo", bytes.NewReader(body))
	if err != nil {
		b.Error(err)
		return time.Time{}
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("webhook-id", id)
	req.Header.Set("webhook-timestamp", strconv.FormatInt(now.Unix(), 10))
	req.Header.Set("webhook-signature", sig)
	resp, err := client.Do(req)
	if err != nil {
		b.Error(err)
		return time.Time{}
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	if resp.StatusCode != http.StatusAccepted {
		b.Errorf("alert %d: status %d", i, resp.StatusCode)
		return time.Time{}
	}
	return time.Now()
}

// callLatencies pairs each user's first quarantine call, by the
// simulator's arrival time, with the 202 of the alert about that user.
func callLatencies(b *testing.B, log []simkit.Entry, accepted []time.Time) []time.Duration {
	seen := make(map[int]bool, len(accepted))
	lat := make([]time.Duration, 0, len(accepted))
	for _, e := range log {
		i, ok := quarantinedIndex(e)
		if !ok || i < 0 || i >= len(accepted) || seen[i] || accepted[i].IsZero() {
			continue
		}
		seen[i] = true
		lat = append(lat, e.Time.Sub(accepted[i]))
	}
	if len(lat) != len(accepted) {
		b.Errorf("%d latencies for %d alerts (the simulator's request log may have overflowed)", len(lat), len(accepted))
	}
	return lat
}

// quarantinedIndex reads the user index out of a POST Users/{id}/Quarantine.
func quarantinedIndex(e simkit.Entry) (int, bool) {
	rest, ok := strings.CutPrefix(e.RelPath, "Users/")
	if e.Method != http.MethodPost || !ok {
		return 0, false
	}
	id, ok := strings.CutSuffix(rest, "/Quarantine")
	if !ok {
		return 0, false
	}
	n, err := strconv.Atoi(id)
	return n - benchUserBase, err == nil
}

func reportLatencies(b *testing.B, lat []time.Duration) {
	if len(lat) == 0 {
		return
	}
	slices.Sort(lat)
	ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
	b.ReportMetric(ms(lat[len(lat)/2]), "p50-ms")
	b.ReportMetric(ms(lat[min(len(lat)-1, len(lat)*99/100)]), "p99-ms")
	b.ReportMetric(ms(lat[len(lat)-1]), "max-ms")
}

// BenchmarkSlowTargetThroughput is the worker's quarantines per second
// against a target that takes 50 ms to quarantine, at 1, 8 and 64 actions
// in flight (worker.concurrency). The ideal is in-flight / 50 ms: every
// slot always waiting on the target, nothing else costing time.
func BenchmarkSlowTargetThroughput(b *testing.B) {
	for _, inflight := range []int{1, 8, 64} {
		b.Run(fmt.Sprintf("inflight=%d", inflight), func(b *testing.B) {
			// 50 rounds of the target's latency (at least 10 s of work at
			// 1 in flight) make start-up a small part of the run.
			benchSlowTarget(b, inflight, benchCount(max(200, 50*inflight)))
		})
	}
}

func benchSlowTarget(b *testing.B, inflight, n int) {
	users := benchUsers(n)
	p := quelltest.StartPipeline(b, quelltest.PipelineOptions{NoWorker: true, BIUsers: users,
		Extra: "safety: {blast_radius: []}", TargetExtra: benchTargetLimits})
	p.Config.Worker.Concurrency = inflight
	p.BI.Inject(quarantineRoute, simkit.Fault{Latency: slowTargetLatency})
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	publishQuarantines(ctx, b, p, users, "bench slow")
	b.ResetTimer()
	start := time.Now()
	p.StartWorker(b)
	if err := waitFor(ctx, func() bool { return resultCount(ctx, p) >= n }); err != nil {
		b.Fatalf("%d of %d results: %v", resultCount(ctx, p), n, err)
	}
	b.ReportMetric(float64(n)/time.Since(start).Seconds(), "actions/s")
	b.StopTimer()
	b.ReportMetric(float64(inflight)/slowTargetLatency.Seconds(), "ideal-actions/s")
	b.ReportMetric(benchTargetRate, "limit-req/s")
	b.ReportMetric(benchTargetConcurrency, "limit-conc")
	checkOneCallEach(b, p, n)
}

// checkOneCallEach fails the run when redeliveries (say, past ack_wait)
// made extra target calls, which would inflate the number; it cannot tell
// once the simulator's bounded request log has dropped entries.
func checkOneCallEach(b *testing.B, p *quelltest.Pipeline, n int) {
	if len(p.BI.Requests()) >= simkit.DefaultMaxEntries {
		return
	}
	if calls := p.BI.Count(quarantineRoute); calls != n {
		b.Errorf("%d quarantine calls for %d actions", calls, n)
	}
}

// publishQuarantines queues one quarantine per user before the worker
// starts, so the run measures the worker and not the ingest or planner.
// Action i's id derives from idPrefix and i.
func publishQuarantines(ctx context.Context, b *testing.B, p *quelltest.Pipeline, users []sim.User, idPrefix string) {
	pub := events.NewPublisher(p.NATS.JS)
	for i, u := range users {
		a := actions.Action{Kind: actions.Quarantine, Target: "bi", User: actions.UserRef{Username: u.UserName},
			Reason: "bench", RequestedBy: "bench", RequestedAt: time.Now()}
		a.AssignID(fmt.Sprintf("%s %d", idPrefix, i))
		publishAction(ctx, b, pub, a)
	}
}

// resultCount is how many results the results stream holds (0 on error:
// the caller polls again).
func resultCount(ctx context.Context, p *quelltest.Pipeline) int {
	s, err := p.NATS.JS.Stream(ctx, events.StreamResults)
	if err != nil {
		return 0
	}
	info, err := s.Info(ctx)
	if err != nil {
		return 0
	}
	return int(info.State.Msgs)
}

// waitFor polls cond every 10 ms (fine enough for runs of seconds) until it
// holds or ctx ends.
func waitFor(ctx context.Context, cond func() bool) error {
	t := time.NewTicker(10 * time.Millisecond)
	defer t.Stop()
	for !cond() {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
	return nil
}

// sleepUntil waits for the wall-clock moment at, or returns ctx's error.
func sleepUntil(ctx context.Context, at time.Time) error {
	d := time.Until(at)
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
