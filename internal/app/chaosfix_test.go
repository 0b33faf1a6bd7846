package app_test

import (
	"context"
	"net"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/quell-dev/quell/internal/actions"
	"github.com/quell-dev/quell/internal/dlq"
	"github.com/quell-dev/quell/internal/events"
	"github.com/quell-dev/quell/internal/quelltest"
	"github.com/quell-dev/quell/internal/worker"
	"github.com/quell-dev/quell/internal/workersvc"
)

// Defects found by the chaos suite (issue 10); each test fails on the code
// before its fix.

// A message that reaches max deliveries while no worker is connected: the
// advisory is emitted anyway. As a core NATS message it was lost, and so
// was the action (neither acted on nor dead-lettered). QUELL_ADVISORIES
// keeps it until a worker has dead-lettered the message.
func TestMaxDeliveriesWithNoWorkerConnectedIsDeadLettered(t *testing.T) {
	t.Parallel()
	p := quelltest.StartPipeline(t, quelltest.PipelineOptions{})
	p.StopWorker()
	ctx := context.Background()
	a := actions.Action{Kind: actions.Quarantine, Target: "bi", User: actions.UserRef{Username: "jdoe"}, RequestedAt: time.Now()}
	a.AssignID("manual test no-worker")
	publishAction(ctx, t, events.NewPublisher(p.NATS.JS), a)
	// Someone else's client takes every delivery and gives it back, as a
	// worker crashing on the message would, until JetStream gives up
	// (max_deliveries is 10 in the pipeline); no worker is connected.
	cons, err := p.NATS.JS.Consumer(ctx, events.StreamActions, events.ConsumerExecutor)
	if err != nil {
		t.Fatal(err)
	}
	for range 11 {
		batch, err := cons.Fetch(1, jetstream.FetchMaxWait(time.Second))
		if err != nil {
			t.Fatal(err)
		}
		for m := range batch.Messages() {
			_ = m.Nak()
		}
	}
	p.StartWorker(t)
	res := p.WaitResults(t, 1, 30*time.Second)
	if res[0].Action.ID != a.ID || res[0].Status != actions.StatusFailed || !strings.Contains(res[0].Reason, "max deliveries") {
		t.Fatalf("result %+v", res[0])
	}
	entries, err := dlq.List(ctx, p.NATS.JS, dlq.Filter{})
	if err != nil || len(entries) != 1 || !strings.Contains(entries[0].Reason, "max deliveries") {
		t.Fatalf("DLQ %+v, %v", entries, err)
	}
}

// RunWorker called Ready before worker.Run had created its consumers, so
// a caller that waited for Ready (a test, a readiness probe) could act
// while nothing consumed yet.
func TestWorkerReadyOnlyOnceConsumersExist(t *testing.T) {
	t.Parallel()
	p := quelltest.StartPipeline(t, quelltest.PipelineOptions{NoWorker: true})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	checked := make(chan []string, 1)
	done := make(chan error, 1)
	go func() {
		done <- workersvc.RunWorker(ctx, p.Config, workersvc.WorkerOptions{Listener: listener(t), Ready: func(string) {
			var missing []string
			for stream, name := range map[string]string{events.StreamEvents: events.ConsumerPlanner,
				events.StreamActions: events.ConsumerExecutor, worker.StreamAdvisories: worker.ConsumerAdvisories} {
				if _, err := p.NATS.JS.Consumer(ctx, stream, name); err != nil {
					missing = append(missing, name)
				}
			}
			checked <- missing
		}})
	}()
	select {
	case missing := <-checked:
		if len(missing) > 0 {
			t.Fatalf("ready before the consumers %v existed", missing)
		}
	case err := <-done:
		t.Fatalf("worker stopped: %v", err)
	case <-time.After(20 * time.Second):
		t.Fatal("worker never ready")
	}
	cancel()
	<-done
}

// The circuit reports and the parked-action expiry ran on after RunWorker
// returned, and so after its NATS connection closed: a parked action could
// be rejected in the bucket with its result never published.
//
// Not parallel: it inspects every goroutine of the test binary, and the
// parallel tests run workers of their own.
func TestWorkerStopsItsBackgroundTasksBeforeReturning(t *testing.T) {
	p := quelltest.StartPipeline(t, quelltest.PipelineOptions{NoWorker: true})
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan struct{})
	done := make(chan error, 1)
	go func() {
		done <- workersvc.RunWorker(ctx, p.Config, workersvc.WorkerOptions{Listener: listener(t), Ready: func(string) { close(ready) }})
	}()
	<-ready
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 1<<20)
	stacks := string(buf[:runtime.Stack(buf, true)])
	for _, f := range []string{"workersvc.reportCircuits", "workersvc.expireParked"} {
		if strings.Contains(stacks, f) {
			t.Errorf("%s still runs after RunWorker returned", f)
		}
	}
}

func listener(t *testing.T) net.Listener {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return ln
}
