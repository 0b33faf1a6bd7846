package executor_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/quell-dev/quell/internal/actions"
	"github.com/quell-dev/quell/internal/executor"
	"github.com/quell-dev/quell/internal/ledger"
)

// TestExecuteShutdown covers a delivery cut short by shutdown: the message
// goes back at once, and the target is not blamed for it.
func TestExecuteShutdown(t *testing.T) {
	t.Parallel()
	led := startLedger(t)

	tests := []struct {
		name string
		// execute is the target; it cancels the delivery with cancel.
		execute func(ctx context.Context, cancel context.CancelFunc, call int) (actions.Outcome, error)
		// cancelsOnRetry: OnRetry cancels the delivery.
		cancelsOnRetry bool
	}{
		{
			name: "cancelled as a call fails",
			execute: func(_ context.Context, cancel context.CancelFunc, _ int) (actions.Outcome, error) {
				cancel()
				return actions.Outcome{}, transient("503 service unavailable")
			},
		},
		{
			// OnRetry cancels, just before the wait for the next call.
			name:           "cancelled while waiting to retry",
			cancelsOnRetry: true,
			execute: func(context.Context, context.CancelFunc, int) (actions.Outcome, error) {
				return actions.Outcome{}, actions.Transient(errors.New("429 too many requests"), time.Minute)
			},
		},
		{
			name: "cancelled during a call",
			execute: func(ctx context.Context, cancel context.CancelFunc, _ int) (actions.Outcome, error) {
				time.AfterFunc(5*time.Millisecond, cancel)
				<-ctx.Done()
				return actions.Outcome{}, actions.Transient(fmt.Errorf("request: %w", ctx.Err()), 0)
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cfg, b := setup(t, led)
			cfg.MaxAttempts = 1 // a counted failure would dead-letter
			// A budget that cannot run out first: only the cancellation
			// ends the delivery.
			cfg.Retry.MaxElapsed = 2 * time.Second
			ctx, cancel := context.WithCancel(b.ctx)
			defer cancel()
			if tc.cancelsOnRetry {
				cfg.OnRetry = func(context.Context, actions.Action) { cancel() }
			}
			b.target.execute = func(ctx context.Context, _ actions.Action, call int) (actions.Outcome, error) {
				if call == 1 {
					return tc.execute(ctx, cancel, call)
				}
				return actions.Outcome{Status: actions.StatusCompleted}, nil
			}
			e := newExecutor(t, cfg)
			dec := e.Execute(ctx, b.action, executor.Delivery{Num: 1})

			requireVerdict(t, dec, executor.Redeliver)
			if dec.Delay != 0 {
				t.Fatalf("delay = %s, want 0: hand the message back at once", dec.Delay)
			}
			if n := b.target.numCalls(); n != 1 {
				t.Fatalf("target called %d times, want 1", n)
			}
			// The call counts; the failure does not, and the lease is
			// given back even though the context is done.
			if en := b.entry(t); en.State != ledger.StateReleased || en.Attempts != 1 || en.Failures != 0 {
				t.Fatalf("ledger entry %s attempts %d failures %d, want released, 1, 0", en.State, en.Attempts, en.Failures)
			}
			unlock, err := led.TryLock(b.ctx, b.action.LockKey(), "worker-b", time.Minute)
			if err != nil {
				t.Fatalf("user lock still held: %v", err)
			}
			if err := unlock(b.ctx); err != nil {
				t.Fatal(err)
			}
			// After the restart the next delivery runs it, counting the
			// interrupted call as an attempt.
			dec = e.Execute(b.ctx, b.action, executor.Delivery{Num: 2})
			requireVerdict(t, dec, executor.Finish)
			requireResult(t, dec, resultSummary{Status: actions.StatusCompleted, Attempts: 2, Deliveries: 2, Worker: owner})
		})
	}

	// A change made just as the drain timeout cancels the delivery is
	// still recorded in the ledger (detached from the cancellation, as
	// release is): otherwise other workers would wait the lease out and
	// report "skipped (possibly an earlier attempt)" instead of
	// "completed".
	t.Run("success at shutdown is recorded", func(t *testing.T) {
		t.Parallel()
		cfg, b := setup(t, led)
		ctx, cancel := context.WithCancel(b.ctx)
		defer cancel()
		b.target.execute = func(context.Context, actions.Action, int) (actions.Outcome, error) {
			cancel()
			return actions.Outcome{Status: actions.StatusCompleted, Reason: "quarantined"}, nil
		}
		dec := newExecutor(t, cfg).Execute(ctx, b.action, executor.Delivery{Num: 1})
		requireVerdict(t, dec, executor.Finish)
		requireResult(t, dec, resultSummary{Status: actions.StatusCompleted, Attempts: 1, Deliveries: 1, Worker: owner})
		if e := b.entry(t); e.State != ledger.StateDone {
			t.Fatalf("ledger entry %s, want done", e.State)
		}
	})

	t.Run("cancelled during the safety check", func(t *testing.T) {
		t.Parallel()
		cfg, b := setup(t, led)
		cfg.MaxAttempts = 1
		ctx, cancel := context.WithCancel(b.ctx)
		defer cancel()
		b.safety.check = func(context.Context, actions.Action, int) (actions.SafetyVerdict, error) {
			cancel()
			return actions.SafetyVerdict{}, transient("kv: timeout")
		}
		cfg.Safety = b.safety
		dec := newExecutor(t, cfg).Execute(ctx, b.action, executor.Delivery{Num: 1})
		requireVerdict(t, dec, executor.Redeliver)
		if dec.Delay != 0 {
			t.Fatalf("delay = %s, want 0", dec.Delay)
		}
		if n := b.target.numCalls(); n != 0 {
			t.Fatalf("target called %d times", n)
		}
		if e := b.entry(t); e != nil {
			t.Fatalf("ledger entry %+v, want none", e)
		}
	})
}
