package app_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/quell-dev/quell/internal/events"
	"github.com/quell-dev/quell/internal/quelltest"
)

// workerConcurrency is the pipeline's worker.concurrency; the baseline
// uses as many consumers.
const workerConcurrency = 4

// BenchmarkWorkerBaseline is the limit SPEC.md measures the worker
// against: a bare JetStream consume + HTTP POST + ack loop.
func BenchmarkWorkerBaseline(b *testing.B) {
	n := quelltest.StartNATS(b)
	ctx := context.Background()
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	defer srv.Close()
	for i := range b.N {
		if _, err := n.JS.Publish(ctx, "quell.actions.bench.quarantine", []byte(fmt.Sprintf(`{"n":%d}`, i))); err != nil {
			b.Fatal(err)
		}
	}
	cons, err := n.JS.CreateOrUpdateConsumer(ctx, events.StreamActions, jetstream.ConsumerConfig{Durable: "bench", AckPolicy: jetstream.AckExplicitPolicy})
	if err != nil {
		b.Fatal(err)
	}
	client := &http.Client{}
	var wg sync.WaitGroup
	var mu sync.Mutex
	left := b.N
	b.ResetTimer()
	start := time.Now()
	for range workerConcurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				mu.Lock()
				if left == 0 {
					mu.Unlock()
					return
				}
				left--
				mu.Unlock()
				msg, err := cons.Next(jetstream.FetchMaxWait(10 * time.Second))
				if err != nil {
					b.Error(err)
					return
				}
				resp, err := client.Post(srv.URL, "application/json", nil)
				if err != nil {
					b.Error(err)
					return
				}
				resp.Body.Close()
				_ = msg.DoubleAck(ctx)
			}
		}()
	}
	wg.Wait()
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "actions/s")
}

// BenchmarkWorkerQuarantine is Quell's worker on the same load: each action
// takes the ledger lease and the user lock, reads the user, quarantines
// it, records the outcome and publishes the result, against a
// zero-latency BeyondInsight simulator.
func BenchmarkWorkerQuarantine(b *testing.B) {
	users := benchUsers(b.N)
	// Limits off: this measures the worker, not the default request rate.
	p := quelltest.StartPipeline(b, quelltest.PipelineOptions{NoWorker: true, NoIngest: true, BIUsers: users, Extra: "safety: {blast_radius: []}",
		TargetExtra: "limits: {rate: -1, concurrency: -1}"})
	publishQuarantines(context.Background(), b, p, users, "bench")
	b.ResetTimer()
	p.StartWorker(b)
	var info *jetstream.StreamInfo
	quelltest.Eventually(b, 10*time.Minute, "every result", func() bool {
		s, err := p.NATS.JS.Stream(context.Background(), events.StreamResults)
		if err != nil {
			return false
		}
		info, err = s.Info(context.Background())
		return err == nil && info.State.Msgs >= uint64(b.N)
	})
	// From the first result to the last: the worker's start-up is measured
	// on its own (make bench-perf), not spread over these actions.
	if span := info.State.LastTime.Sub(info.State.FirstTime); span > 0 && b.N > 1 {
		b.ReportMetric(float64(b.N-1)/span.Seconds(), "actions/s")
	}
	b.StopTimer()
	if n := p.BI.Count(quarantineRoute); n != b.N {
		b.Fatalf("%d quarantine calls for %d actions", n, b.N)
	}
}
