package worker_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/quell-dev/quell/internal/actions"
	"github.com/quell-dev/quell/internal/events"
	"github.com/quell-dev/quell/internal/executor"
	"github.com/quell-dev/quell/internal/quelltest"
)

// Shutdown: Run's context ends; in-flight actions get Drain to finish and
// are then handed back; nothing the worker holds waits out AckWait. Every
// test sets AckWait to 30s, so that a message a stopped worker kept would
// not reach a second worker within the few seconds the tests allow.
func TestWorkerShutdown(t *testing.T) {
	t.Parallel()
	const ackWait = 30 * time.Second

	// handBack is what the executor answers when its context ends: give
	// the message back at once.
	handBack := func(ctx context.Context) executor.Decision {
		return executor.Decision{Verdict: executor.Redeliver, Err: ctx.Err()}
	}

	// An action that finishes within Drain is finished: its result is
	// published and its message acked, and Run returns then, not after
	// Drain. Meanwhile the stopping worker takes no new work.
	t.Run("InFlightFinishesWithinDrain", func(t *testing.T) {
		t.Parallel()
		const drain = 10 * time.Second
		release := make(chan struct{})
		b := setup(t, func(b *testBundle) {
			b.cfg.AckWait, b.cfg.Drain = ackWait, drain
			b.exec.ExecuteFunc = func(ctx context.Context, a actions.Action, d executor.Delivery) executor.Decision {
				select {
				case <-release:
					return finished(a, d)
				case <-ctx.Done():
					return handBack(ctx)
				}
			}
		})
		a := newAction("evt-drain-finish", "rule", "jdoe")
		b.requestAction(t, a, nil)
		quelltest.Eventually(t, 10*time.Second, "executing", func() bool { return b.exec.Started() == 1 })

		stopped := time.Now()
		b.worker.cancel()
		// Published while the worker stops: not for this worker.
		time.Sleep(100 * time.Millisecond)
		late := newAction("evt-drain-late", "rule", "jdoe")
		b.requestAction(t, late, nil)
		consistently(t, 300*time.Millisecond, "Run waiting for the in-flight action", func() bool {
			select {
			case <-b.worker.done:
				return false
			default:
				return true
			}
		})
		close(release)
		if err := b.worker.stop(5 * time.Second); err != nil {
			t.Fatal(err)
		}
		if took := b.worker.returned.Sub(stopped); took > drain/2 {
			t.Errorf("Run returned %s after its context ended, though the action finished before", took)
		}
		calls := b.exec.Calls()
		if len(calls) != 1 || calls[0].Action.ID != a.ID || calls[0].CtxErr != nil {
			t.Fatalf("executor calls %+v, want one of %s with its context alive", calls, a.ID)
		}
		res := b.waitResults(t, 1)[0]
		if res.Event.ID() != a.ID+"/completed" {
			t.Errorf("result %s, want %s/completed", res.Event.ID(), a.ID)
		}
		// The late one may have reached the pull the stopping worker had
		// outstanding (a pull is left to expire, never cancelled, so
		// nothing is lost on the wire): then it was handed back with a nak,
		// and stays ack pending until redelivered, which the next worker
		// must see at once, long before ack_wait.
		info := b.consumerInfo(t, events.StreamActions, events.ConsumerExecutor)
		if info.AckFloor.Stream != 1 || uint64(info.NumAckPending)+info.NumPending != 1 {
			t.Errorf("executor consumer: ack floor %d, ack pending %d, pending %d; want the first acked, the late one waiting",
				info.AckFloor.Stream, info.NumAckPending, info.NumPending)
		}

		// The late action goes to the next worker, on its first delivery.
		next := &scriptedExecutor{}
		cfg := b.cfg
		cfg.Executor, cfg.ID = next, "next-worker"
		b.start(t, cfg)
		quelltest.Eventually(t, 5*time.Second, "the late action executed by the next worker", func() bool {
			return len(next.CallsFor(late.ID)) == 1
		})
		if c := next.CallsFor(late.ID)[0]; c.Delivery.Num > 2 {
			t.Errorf("late action on delivery %d, want 1, or 2 if it was handed back", c.Delivery.Num)
		}
		if n := len(next.CallsFor(a.ID)); n != 0 {
			t.Errorf("finished action executed again %d times", n)
		}
	})

	// Actions still executing when Drain runs out: their context is
	// cancelled then (not before), the executor hands them back, and Run
	// returns. The next worker gets them at once, as delivery 2, and the
	// actions the stopped worker never took as delivery 1.
	t.Run("InFlightHandedBackAfterDrain", func(t *testing.T) {
		t.Parallel()
		const drain, concurrency, total = 400 * time.Millisecond, 2, 5
		b := setup(t, func(b *testBundle) {
			b.cfg.AckWait, b.cfg.Drain, b.cfg.Concurrency = ackWait, drain, concurrency
			b.exec.ExecuteFunc = func(ctx context.Context, _ actions.Action, _ executor.Delivery) executor.Decision {
				<-ctx.Done()
				return handBack(ctx)
			}
		})
		var all []actions.Action
		for i := range total {
			a := newAction(fmt.Sprintf("evt-drain-timeout-%d", i), "rule", "jdoe")
			all = append(all, a)
			b.requestAction(t, a, nil)
		}
		quelltest.Eventually(t, 10*time.Second, "executing", func() bool { return b.exec.Started() == concurrency })
		consistently(t, 200*time.Millisecond, "no more than Concurrency at once", func() bool { return b.exec.Started() == concurrency })

		stopped := time.Now()
		if err := b.worker.stop(drain + 10*time.Second); err != nil {
			t.Fatal(err)
		}
		if took := b.worker.returned.Sub(stopped); took < drain || took > drain+3*time.Second {
			t.Errorf("Run returned %s after its context ended, want Drain (%s) and a little", took, drain)
		}
		calls := b.exec.Calls()
		if len(calls) != concurrency {
			t.Fatalf("executor calls %+v, want %d", calls, concurrency)
		}
		handedBack := map[string]bool{}
		for _, c := range calls {
			handedBack[c.Action.ID] = true
			if c.CtxErr == nil {
				t.Errorf("%s: context not cancelled", c.Action.ID)
			}
			if cancelled := c.End.Sub(stopped); cancelled < drain {
				t.Errorf("%s: in-flight context cancelled %s after stop, before Drain (%s) was up", c.Action.ID, cancelled, drain)
			}
		}
		if n := b.streamCount(t, events.StreamResults); n != 0 {
			t.Errorf("%d results for handed-back actions", n)
		}

		next := &scriptedExecutor{}
		cfg := b.cfg
		cfg.Executor, cfg.ID = next, "next-worker"
		b.start(t, cfg)
		quelltest.Eventually(t, 5*time.Second, "every action executed by the next worker", func() bool {
			return len(next.Calls()) == total
		})
		for _, a := range all {
			c := next.CallsFor(a.ID)
			want := 1
			if handedBack[a.ID] {
				want = 2
			}
			if len(c) != 1 || c[0].Delivery.Num != want {
				t.Errorf("%s: next worker saw %+v, want delivery %d", a.ID, c, want)
			}
		}
		b.waitResults(t, total)
		b.waitSettled(t, events.StreamActions, events.ConsumerExecutor)
	})

	// Stopping a worker in the middle of a backlog: what it finished stays
	// finished; everything else (in its handlers, fetched but not yet
	// started, or never fetched) is with the next worker within seconds.
	t.Run("BacklogHandedBackAtOnce", func(t *testing.T) {
		t.Parallel()
		// Fails about one run in ten: see TestStopHandsBackMessagesOnTheWire.
		const total = 60
		b := setup(t, func(b *testBundle) {
			b.cfg.AckWait, b.cfg.Drain, b.cfg.Concurrency = ackWait, 200*time.Millisecond, 4
			b.exec.ExecuteFunc = func(ctx context.Context, a actions.Action, d executor.Delivery) executor.Decision {
				select {
				case <-time.After(5 * time.Millisecond):
					return finished(a, d)
				case <-ctx.Done():
					return handBack(ctx)
				}
			}
		})
		want := make(map[string]bool, total)
		for i := range total {
			a := newAction(fmt.Sprintf("evt-backlog-%d", i), "rule", "jdoe")
			want[a.ID] = true
			b.requestAction(t, a, nil)
		}
		quelltest.Eventually(t, 10*time.Second, "the backlog under way", func() bool { return b.exec.Started() >= 10 })
		if err := b.worker.stop(10 * time.Second); err != nil {
			t.Fatal(err)
		}
		done := map[string]bool{}
		for _, c := range b.exec.Calls() {
			if c.Decision.Verdict == executor.Finish {
				done[c.Action.ID] = true
			}
		}
		if len(done) == total {
			t.Fatal("the first worker finished the whole backlog before it was stopped; nothing was tested")
		}

		next := &scriptedExecutor{}
		cfg := b.cfg
		cfg.Executor, cfg.ID = next, "next-worker"
		b.start(t, cfg)
		deadline := time.Now().Add(5 * time.Second)
		for b.streamCount(t, events.StreamResults) < total && time.Now().Before(deadline) {
			time.Sleep(20 * time.Millisecond)
		}
		if n := b.streamCount(t, events.StreamResults); n < total {
			info := b.consumerInfo(t, events.StreamActions, events.ConsumerExecutor)
			missing := map[string]bool{}
			for id := range want {
				missing[id] = true
			}
			for _, r := range b.streamEvents(t, events.StreamResults) {
				delete(missing, r.Event.Subject())
			}
			startedByFirst := 0
			for id := range missing {
				startedByFirst += len(b.exec.CallsFor(id))
			}
			t.Fatalf("5s after the first worker stopped, %d of %d actions have results; executor consumer: "+
				"ack pending %d, redelivered %d, pending %d, delivered %d, ack floor %d (AckWait %s). "+
				"The %d missing were delivered to the first worker, which started them %d times: "+
				"it took them from JetStream and neither ran nor handed them back, so they wait out AckWait",
				n, total, info.NumAckPending, info.NumRedelivered, info.NumPending, info.Delivered.Stream,
				info.AckFloor.Stream, ackWait, len(missing), startedByFirst)
		}
		for _, c := range next.Calls() {
			if done[c.Action.ID] {
				t.Errorf("%s finished by the first worker, executed again (delivery %d)", c.Action.ID, c.Delivery.Num)
			}
			done[c.Action.ID] = true
		}
		if len(done) != total {
			t.Errorf("%d of %d actions executed", len(done), total)
		}
		t.Logf("first worker finished %d, next worker %d", total-len(next.Calls()), len(next.Calls()))
		b.waitSettled(t, events.StreamActions, events.ConsumerExecutor)
	})
}
