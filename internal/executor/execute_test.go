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

// everyCall, as an expected count of attempts or target calls, stands for
// "as many as the target got, at least one": transient errors are retried
// within the delivery for as long as its budget lasts, so how many calls
// fit in it depends on the machine.
const everyCall = -1

// roomyBudget gives a delivery a retry budget its scripted failures cannot
// use up, for cases that succeed after a few retries on a loaded machine.
func roomyBudget(cfg *executor.Config) { cfg.Retry.MaxElapsed = 2 * time.Second }

// TestExecute is the decision table for one delivery of an action.
func TestExecute(t *testing.T) {
	t.Parallel()
	led := startLedger(t)

	type ledgerWant struct {
		State    string // ledger.StateDone, ledger.StateReleased; "": no entry
		Attempts int    // or everyCall
		Failures int
	}
	tests := []struct {
		name      string
		configure func(cfg *executor.Config, b *testBundle)
		execute   func(ctx context.Context, a actions.Action, call int) (actions.Outcome, error)
		delivery  executor.Delivery // zero: {Num: 1}

		wantVerdict executor.Verdict
		want        resultSummary // Attempts may be everyCall
		wantReason  string        // in Result.Reason (Finish, DeadLetter) or Err (Redeliver)
		wantDelay   time.Duration // Redeliver only
		wantCalls   int           // target calls, or everyCall
		wantRetries int           // OnRetry calls, or everyCall (then: calls-1)
		wantLedger  ledgerWant
	}{
		{
			name:        "success finishes and records done",
			delivery:    executor.Delivery{Num: 2, Replays: 1},
			wantVerdict: executor.Finish,
			want:        resultSummary{Status: actions.StatusCompleted, Attempts: 1, Deliveries: 2, Replays: 1, Worker: owner},
			wantReason:  "quarantined",
			wantCalls:   1,
			wantLedger:  ledgerWant{State: ledger.StateDone, Attempts: 1},
		},
		{
			name: "state already as wanted finishes skipped",
			execute: func(context.Context, actions.Action, int) (actions.Outcome, error) {
				return actions.Outcome{Status: actions.StatusSkipped, Reason: "already quarantined"}, nil
			},
			wantVerdict: executor.Finish,
			want:        resultSummary{Status: actions.StatusSkipped, Attempts: 1, Deliveries: 1, Worker: owner},
			wantReason:  "already quarantined",
			wantCalls:   1,
			wantLedger:  ledgerWant{State: ledger.StateDone, Attempts: 1},
		},
		{
			name:      "transient errors are retried within the delivery",
			configure: func(cfg *executor.Config, _ *testBundle) { roomyBudget(cfg) },
			execute: func(_ context.Context, _ actions.Action, call int) (actions.Outcome, error) {
				if call < 3 {
					return actions.Outcome{}, transient("503 service unavailable")
				}
				return actions.Outcome{Status: actions.StatusCompleted, Reason: "quarantined"}, nil
			},
			wantVerdict: executor.Finish,
			want:        resultSummary{Status: actions.StatusCompleted, Attempts: 3, Deliveries: 1, Worker: owner},
			wantCalls:   3,
			wantRetries: 2,
			wantLedger:  ledgerWant{State: ledger.StateDone, Attempts: 3},
		},
		{
			name:      "unclassified errors are retried as transient",
			configure: func(cfg *executor.Config, _ *testBundle) { roomyBudget(cfg) },
			execute: func(_ context.Context, _ actions.Action, call int) (actions.Outcome, error) {
				if call == 1 {
					return actions.Outcome{}, errors.New("connection reset")
				}
				return actions.Outcome{Status: actions.StatusCompleted}, nil
			},
			wantVerdict: executor.Finish,
			want:        resultSummary{Status: actions.StatusCompleted, Attempts: 2, Deliveries: 1, Worker: owner},
			wantCalls:   2,
			wantRetries: 1,
			wantLedger:  ledgerWant{State: ledger.StateDone, Attempts: 2},
		},
		{
			name: "user not found is skipped for an action fanned out to every target",
			configure: func(_ *executor.Config, b *testBundle) {
				b.action.OnlyIfExists = true
			},
			execute: func(context.Context, actions.Action, int) (actions.Outcome, error) {
				return actions.Outcome{}, actions.Permanent(fmt.Errorf("lookup jdoe: %w", actions.ErrUserNotFound))
			},
			wantVerdict: executor.Finish,
			want:        resultSummary{Status: actions.StatusSkipped, Attempts: 1, Deliveries: 1, Worker: owner},
			wantReason:  "no account on bi",
			wantCalls:   1,
			wantLedger:  ledgerWant{State: ledger.StateDone, Attempts: 1},
		},
		{
			name: "permanent error dead-letters at once",
			execute: func(context.Context, actions.Action, int) (actions.Outcome, error) {
				return actions.Outcome{}, actions.Permanent(errors.New("403 forbidden"))
			},
			delivery:    executor.Delivery{Num: 1, Replays: 2},
			wantVerdict: executor.DeadLetter,
			want: resultSummary{Status: actions.StatusFailed, Attempts: 1, Deliveries: 1, Replays: 2, Worker: owner,
				ErrorClass: "permanent"},
			wantReason: "403 forbidden",
			wantCalls:  1,
			wantLedger: ledgerWant{State: ledger.StateReleased, Attempts: 1, Failures: 1},
		},
		{
			name: "user not found dead-letters an action for this target",
			execute: func(context.Context, actions.Action, int) (actions.Outcome, error) {
				return actions.Outcome{}, actions.ErrUserNotFound
			},
			wantVerdict: executor.DeadLetter,
			want:        resultSummary{Status: actions.StatusFailed, Attempts: 1, Deliveries: 1, Worker: owner, ErrorClass: "permanent"},
			wantReason:  "user not found",
			wantCalls:   1,
			wantLedger:  ledgerWant{State: ledger.StateReleased, Attempts: 1, Failures: 1},
		},
		{
			name:        "unknown target dead-letters without a call",
			configure:   func(_ *executor.Config, b *testBundle) { b.action.Target = "nowhere" },
			wantVerdict: executor.DeadLetter,
			want:        resultSummary{Status: actions.StatusFailed, Deliveries: 1, Worker: owner, ErrorClass: "permanent"},
			wantReason:  `unknown target "nowhere"`,
		},
		{
			name: "unsupported kind dead-letters without a call",
			configure: func(_ *executor.Config, b *testBundle) {
				b.target.supports = func(k actions.Kind) bool { return k != actions.Quarantine }
			},
			wantVerdict: executor.DeadLetter,
			want:        resultSummary{Status: actions.StatusFailed, Deliveries: 1, Worker: owner, ErrorClass: "permanent"},
			wantReason:  "beyondinsight cannot quarantine",
		},
		{
			name:        "invalid action dead-letters without a call",
			configure:   func(_ *executor.Config, b *testBundle) { b.action.User = actions.UserRef{} },
			wantVerdict: executor.DeadLetter,
			want:        resultSummary{Status: actions.StatusFailed, Deliveries: 1, Worker: owner, ErrorClass: "permanent"},
			wantReason:  "invalid action: user: no identifier given",
		},
		{
			name: "transient error is redelivered after the in-delivery budget",
			execute: func(context.Context, actions.Action, int) (actions.Outcome, error) {
				return actions.Outcome{}, transient("503 service unavailable")
			},
			wantVerdict: executor.Redeliver,
			wantReason:  "retries exhausted after",
			wantDelay:   20 * time.Millisecond, // RedeliveryDelay > MaxInterval
			wantCalls:   everyCall,
			wantRetries: everyCall,
			wantLedger:  ledgerWant{State: ledger.StateReleased, Attempts: everyCall, Failures: 1},
		},
		{
			name:      "redelivery waits at least the max interval",
			configure: func(cfg *executor.Config, _ *testBundle) { cfg.Retry.RedeliveryDelay = time.Millisecond },
			execute: func(context.Context, actions.Action, int) (actions.Outcome, error) {
				return actions.Outcome{}, transient("503 service unavailable")
			},
			wantVerdict: executor.Redeliver,
			wantDelay:   10 * time.Millisecond, // MaxInterval > RedeliveryDelay
			wantCalls:   everyCall,
			wantRetries: everyCall,
			wantLedger:  ledgerWant{State: ledger.StateReleased, Attempts: everyCall, Failures: 1},
		},
		{
			name: "retry-after longer than the redelivery delay is honoured",
			execute: func(context.Context, actions.Action, int) (actions.Outcome, error) {
				return actions.Outcome{}, actions.Transient(errors.New("429 too many requests"), 30*time.Millisecond)
			},
			wantVerdict: executor.Redeliver,
			wantDelay:   30 * time.Millisecond,
			wantCalls:   everyCall,
			wantRetries: everyCall,
			wantLedger:  ledgerWant{State: ledger.StateReleased, Attempts: everyCall, Failures: 1},
		},
		{
			// Waiting the ceiling (60ms) does not fit the budget (50ms),
			// so there is exactly one call.
			name: "retry-after is capped by the ceiling",
			execute: func(context.Context, actions.Action, int) (actions.Outcome, error) {
				return actions.Outcome{}, actions.Transient(errors.New("429 too many requests"), time.Hour)
			},
			wantVerdict: executor.Redeliver,
			wantDelay:   60 * time.Millisecond,
			wantCalls:   1,
			wantLedger:  ledgerWant{State: ledger.StateReleased, Attempts: 1, Failures: 1},
		},
		{
			name: "retry-after shorter than the redelivery delay is not a reason to come back sooner",
			execute: func(context.Context, actions.Action, int) (actions.Outcome, error) {
				return actions.Outcome{}, actions.Transient(errors.New("429 too many requests"), 5*time.Millisecond)
			},
			wantVerdict: executor.Redeliver,
			wantDelay:   20 * time.Millisecond,
			wantCalls:   everyCall,
			wantRetries: everyCall,
			wantLedger:  ledgerWant{State: ledger.StateReleased, Attempts: everyCall, Failures: 1},
		},
		{
			name:      "transient error on the last attempt dead-letters",
			configure: func(cfg *executor.Config, _ *testBundle) { cfg.MaxAttempts = 1 },
			execute: func(context.Context, actions.Action, int) (actions.Outcome, error) {
				return actions.Outcome{}, transient("503 service unavailable")
			},
			wantVerdict: executor.DeadLetter,
			want: resultSummary{Status: actions.StatusFailed, Attempts: everyCall, Deliveries: 1, Worker: owner,
				ErrorClass: "transient"},
			wantReason:  "503 service unavailable",
			wantCalls:   everyCall,
			wantRetries: everyCall,
			wantLedger:  ledgerWant{State: ledger.StateReleased, Attempts: everyCall, Failures: 1},
		},
		{
			// The open circuit refuses every call; however many deliveries
			// that takes, it is not an attempt and never dead-letters.
			name:      "open circuit waits without counting attempts",
			configure: func(cfg *executor.Config, _ *testBundle) { cfg.MaxAttempts = 1 },
			execute: func(context.Context, actions.Action, int) (actions.Outcome, error) {
				return actions.Outcome{}, fmt.Errorf("circuit open: %w", actions.ErrTargetUnavailable)
			},
			delivery:    executor.Delivery{Num: 40},
			wantVerdict: executor.Redeliver,
			wantReason:  "retries exhausted after 0 calls",
			wantDelay:   20 * time.Millisecond,
			wantCalls:   everyCall,
			wantRetries: everyCall,
			wantLedger:  ledgerWant{State: ledger.StateReleased, Attempts: 0, Failures: 0},
		},
		{
			name:      "fenced write waits without counting attempts",
			configure: func(cfg *executor.Config, _ *testBundle) { cfg.MaxAttempts = 1 },
			execute: func(context.Context, actions.Action, int) (actions.Outcome, error) {
				return actions.Outcome{}, actions.ErrFenced
			},
			wantVerdict: executor.Redeliver,
			wantDelay:   20 * time.Millisecond,
			wantCalls:   everyCall,
			wantRetries: everyCall,
			wantLedger:  ledgerWant{State: ledger.StateReleased, Attempts: 0, Failures: 0},
		},
		{
			// A real failure then an open circuit: the delivery reached
			// the target, so it is a failed attempt.
			name:      "delivery that reached the target before the circuit opened counts",
			configure: func(cfg *executor.Config, _ *testBundle) { cfg.MaxAttempts = 1 },
			execute: func(_ context.Context, _ actions.Action, call int) (actions.Outcome, error) {
				if call == 1 {
					return actions.Outcome{}, transient("503 service unavailable")
				}
				return actions.Outcome{}, fmt.Errorf("circuit open: %w", actions.ErrTargetUnavailable)
			},
			wantVerdict: executor.DeadLetter,
			want: resultSummary{Status: actions.StatusFailed, Attempts: 1, Deliveries: 1, Worker: owner,
				ErrorClass: "transient"},
			wantCalls:   everyCall,
			wantRetries: everyCall,
			wantLedger:  ledgerWant{State: ledger.StateReleased, Attempts: 1, Failures: 1},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cfg, b := setup(t, led)
			b.target.execute = tc.execute
			if tc.configure != nil {
				tc.configure(&cfg, b)
			}
			d := tc.delivery
			if d.Num == 0 {
				d.Num = 1
			}

			dec := newExecutor(t, cfg).Execute(b.ctx, b.action, d)

			requireVerdict(t, dec, tc.wantVerdict)
			calls := b.target.numCalls()
			switch {
			case tc.wantCalls == everyCall && calls < 1:
				t.Fatalf("target called %d times, want at least once", calls)
			case tc.wantCalls != everyCall && calls != tc.wantCalls:
				t.Fatalf("target called %d times, want %d", calls, tc.wantCalls)
			}
			wantRetries := tc.wantRetries
			if wantRetries == everyCall {
				wantRetries = calls - 1
			}
			if got := int(b.retries.Load()); got != wantRetries {
				t.Fatalf("OnRetry called %d times, want %d", got, wantRetries)
			}
			want := tc.want
			if want.Attempts == everyCall {
				want.Attempts = calls
			}
			requireResult(t, dec, want)
			switch dec.Verdict {
			case executor.Redeliver:
				if dec.Delay != tc.wantDelay {
					t.Fatalf("delay = %s, want %s", dec.Delay, tc.wantDelay)
				}
				requireContains(t, "error", dec.Err.Error(), tc.wantReason)
			default:
				if dec.Delay != 0 {
					t.Fatalf("%s with delay %s", dec.Verdict, dec.Delay)
				}
				requireContains(t, "reason", dec.Result.Reason, tc.wantReason)
				if dec.Result.Action.ID != b.action.ID {
					t.Fatalf("result is of action %q, want %q", dec.Result.Action.ID, b.action.ID)
				}
				if dec.Result.StartedAt.IsZero() || dec.Result.FinishedAt.Before(dec.Result.StartedAt) {
					t.Fatalf("started %s, finished %s", dec.Result.StartedAt, dec.Result.FinishedAt)
				}
			}
			if dec.Verdict == executor.DeadLetter && dec.Result.ErrorClass != "" {
				if class, _ := actions.Classify(dec.Err); class.String() != dec.Result.ErrorClass {
					t.Fatalf("error class %q, but Err classifies as %s", dec.Result.ErrorClass, class)
				}
			}

			e := b.entry(t)
			if tc.wantLedger.State == "" {
				if e != nil {
					t.Fatalf("ledger entry %+v, want none", e)
				}
				return
			}
			if e == nil {
				t.Fatalf("no ledger entry, want %s", tc.wantLedger.State)
			}
			wantAttempts := tc.wantLedger.Attempts
			if wantAttempts == everyCall {
				wantAttempts = calls
			}
			if e.State != tc.wantLedger.State || e.Attempts != wantAttempts || e.Failures != tc.wantLedger.Failures {
				t.Fatalf("ledger entry %s attempts %d failures %d, want %s attempts %d failures %d",
					e.State, e.Attempts, e.Failures, tc.wantLedger.State, wantAttempts, tc.wantLedger.Failures)
			}
			if e.Owner != "" {
				t.Fatalf("ledger entry still leased to %q", e.Owner)
			}
			if e.State == ledger.StateDone && (e.Result == nil || e.Result.Status != dec.Result.Status || e.Result.Attempts != dec.Result.Attempts) {
				t.Fatalf("ledger recorded %+v, want the result's status %s and attempts %d", e.Result, dec.Result.Status, dec.Result.Attempts)
			}
			if e.State == ledger.StateReleased && e.LastError == "" {
				t.Fatal("released without the last error")
			}
			// Whatever happened, the user lock is free again.
			unlock, err := b.ledger.TryLock(b.ctx, b.action.LockKey(), "worker-b", time.Second)
			if err != nil {
				t.Fatalf("user lock still held after the delivery: %v", err)
			}
			_ = unlock(b.ctx)
		})
	}
}

// TestExecuteTimestamps shows the result's times come from Config.Now.
func TestExecuteTimestamps(t *testing.T) {
	t.Parallel()
	led := startLedger(t)
	now := time.Date(2031, 5, 6, 7, 8, 9, 0, time.UTC)

	for _, tc := range []struct {
		name        string
		err         error
		wantVerdict executor.Verdict
	}{
		{"finish", nil, executor.Finish},
		{"dead-letter", actions.Permanent(errors.New("400 bad request")), executor.DeadLetter},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cfg, b := setup(t, led)
			cfg.Now = func() time.Time { return now }
			b.target.execute = func(context.Context, actions.Action, int) (actions.Outcome, error) {
				return actions.Outcome{Status: actions.StatusCompleted}, tc.err
			}
			dec := newExecutor(t, cfg).Execute(b.ctx, b.action, executor.Delivery{Num: 1})
			requireVerdict(t, dec, tc.wantVerdict)
			if !dec.Result.StartedAt.Equal(now) || !dec.Result.FinishedAt.Equal(now) {
				t.Fatalf("started %s, finished %s; want both %s", dec.Result.StartedAt, dec.Result.FinishedAt, now)
			}
			if e := b.entry(t); e.State == ledger.StateDone && !e.Result.FinishedAt.Equal(now) {
				t.Fatalf("ledger finished at %s, want %s", e.Result.FinishedAt, now)
			}
		})
	}
}

// TestExecuteReplayed covers a second delivery of an action the ledger
// already holds as done: the recorded result, without calling the target.
func TestExecuteReplayed(t *testing.T) {
	t.Parallel()
	led := startLedger(t)

	tests := []struct {
		name    string
		execute func(ctx context.Context, a actions.Action, call int) (actions.Outcome, error)
		status  actions.Status
	}{
		{name: "completed", status: actions.StatusCompleted},
		{name: "skipped", status: actions.StatusSkipped,
			execute: func(context.Context, actions.Action, int) (actions.Outcome, error) {
				return actions.Outcome{Status: actions.StatusSkipped, Reason: "already quarantined"}, nil
			}},
		{name: "after retries", status: actions.StatusCompleted,
			execute: func(_ context.Context, _ actions.Action, call int) (actions.Outcome, error) {
				if call == 1 {
					return actions.Outcome{}, transient("timeout")
				}
				return actions.Outcome{Status: actions.StatusCompleted, Reason: "quarantined",
					TargetUserID: "42", Details: map[string]string{"k": "v"}}, nil
			}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cfg, b := setup(t, led)
			roomyBudget(&cfg)
			b.target.execute = tc.execute
			first := newExecutor(t, cfg).Execute(b.ctx, b.action, executor.Delivery{Num: 1})
			requireVerdict(t, first, executor.Finish)
			calls := b.target.numCalls()

			// Another worker gets the message again, e.g. after the
			// first worker's ack was lost.
			cfg.Owner = "worker-b"
			dec := newExecutor(t, cfg).Execute(b.ctx, b.action, executor.Delivery{Num: 2, Replays: 1})

			requireVerdict(t, dec, executor.Finish)
			requireResult(t, dec, resultSummary{Status: tc.status, Attempts: first.Result.Attempts, Replayed: true,
				Deliveries: 2, Replays: 1, Worker: "worker-b"})
			if got := b.target.numCalls(); got != calls {
				t.Fatalf("target called again on replay: %d calls, want %d", got, calls)
			}
			if dec.Result.Reason != first.Result.Reason || dec.Result.Outcome.TargetUserID != first.Result.Outcome.TargetUserID ||
				len(dec.Result.Outcome.Details) != len(first.Result.Outcome.Details) {
				t.Fatalf("replayed %+v, first %+v", dec.Result, first.Result)
			}
			if !dec.Result.FinishedAt.Equal(first.Result.FinishedAt) || !dec.Result.StartedAt.Equal(first.Result.FinishedAt) {
				t.Fatalf("replay started %s finished %s; want both the recorded %s",
					dec.Result.StartedAt, dec.Result.FinishedAt, first.Result.FinishedAt)
			}
		})
	}

	// A dead-lettered action is released, not done: replaying it from the
	// DLQ runs it again, counting the earlier calls.
	t.Run("dead-lettered action runs again when replayed from the DLQ", func(t *testing.T) {
		t.Parallel()
		cfg, b := setup(t, led)
		b.target.execute = func(_ context.Context, _ actions.Action, call int) (actions.Outcome, error) {
			if call == 1 {
				return actions.Outcome{}, actions.Permanent(errors.New("403 forbidden"))
			}
			return actions.Outcome{Status: actions.StatusCompleted}, nil
		}
		e := newExecutor(t, cfg)
		requireVerdict(t, e.Execute(b.ctx, b.action, executor.Delivery{Num: 1}), executor.DeadLetter)
		dec := e.Execute(b.ctx, b.action, executor.Delivery{Num: 1, Replays: 1})
		requireVerdict(t, dec, executor.Finish)
		requireResult(t, dec, resultSummary{Status: actions.StatusCompleted, Attempts: 2, Deliveries: 1, Replays: 1, Worker: owner})
	})

	// A protected user's refusal republished from the ledger (the worker
	// republishes when publishing the first result failed) keeps guard
	// "refused": it is derived from the recorded Outcome.Refused.
	t.Run("replayed refusal keeps its guard", func(t *testing.T) {
		t.Parallel()
		cfg, b := setup(t, led)
		cfg.ProtectedGroups = []string{"Domain Admins"}
		cfg.Targets = map[string]actions.Target{targetName: &groupTarget{scriptedTarget: b.target,
			userGroups: func(context.Context, actions.UserRef, int) ([]string, error) { return []string{"Domain Admins"}, nil }}}
		e := newExecutor(t, cfg)
		first := e.Execute(b.ctx, b.action, executor.Delivery{Num: 1})
		requireVerdict(t, first, executor.Finish)
		requireResult(t, first, resultSummary{Status: actions.StatusSkipped, Guard: actions.GuardRefused, Attempts: 1,
			Deliveries: 1, Worker: owner})
		dec := e.Execute(b.ctx, b.action, executor.Delivery{Num: 2})
		requireResult(t, dec, resultSummary{Status: actions.StatusSkipped, Guard: actions.GuardRefused, Attempts: 1,
			Replayed: true, Deliveries: 2, Worker: owner})
	})
}

// TestExecuteInFlight covers an action whose lease another worker holds.
func TestExecuteInFlight(t *testing.T) {
	t.Parallel()
	led := startLedger(t)

	// The real ledger: the delay runs to the other lease's end, plus a
	// margin, rather than polling it with deliveries.
	t.Run("held by another worker waits for its lease to end", func(t *testing.T) {
		t.Parallel()
		cfg, b := setup(t, led)
		const lease = 10 * time.Second
		before := time.Now()
		if _, err := led.Acquire(b.ctx, b.action, "worker-b", lease); err != nil {
			t.Fatal(err)
		}
		dec := newExecutor(t, cfg).Execute(b.ctx, b.action, executor.Delivery{Num: 1})
		elapsed := time.Since(before)

		requireVerdict(t, dec, executor.Redeliver)
		requireResult(t, dec, resultSummary{})
		var ife *actions.InFlightError
		if !errors.As(dec.Err, &ife) || ife.Owner != "worker-b" {
			t.Fatalf("err = %v, want an InFlightError naming worker-b", dec.Err)
		}
		if hi, lo := lease+100*time.Millisecond, lease+100*time.Millisecond-elapsed; dec.Delay > hi || dec.Delay < lo {
			t.Fatalf("delay = %s, want within [%s, %s]", dec.Delay, lo, hi)
		}
		if n := b.target.numCalls(); n != 0 {
			t.Fatalf("target called %d times", n)
		}
		if e := b.entry(t); e.State != ledger.StateRunning || e.Owner != "worker-b" {
			t.Fatalf("other worker's lease disturbed: %+v", e)
		}
	})

	// An expired lease is taken over: its holder died.
	t.Run("expired lease of another worker is taken over", func(t *testing.T) {
		t.Parallel()
		cfg, b := setup(t, led)
		if _, err := led.Acquire(b.ctx, b.action, "worker-dead", time.Millisecond); err != nil {
			t.Fatal(err)
		}
		time.Sleep(10 * time.Millisecond)
		dec := newExecutor(t, cfg).Execute(b.ctx, b.action, executor.Delivery{Num: 2})
		requireVerdict(t, dec, executor.Finish)
		requireResult(t, dec, resultSummary{Status: actions.StatusCompleted, Attempts: 1, Deliveries: 2, Worker: owner})
	})

	// With a fake clock and the ledger's answer scripted, the delay is exact.
	now := time.Date(2031, 5, 6, 7, 8, 9, 0, time.UTC)
	tests := []struct {
		name      string
		err       error
		wantDelay time.Duration
	}{
		{"lease ending later", &actions.InFlightError{What: "action", Owner: "worker-b", Until: now.Add(2 * time.Second)},
			2*time.Second + 100*time.Millisecond},
		{"lease ending soon", &actions.InFlightError{What: "action", Owner: "worker-b", Until: now.Add(5 * time.Millisecond)},
			105 * time.Millisecond},
		{"lease ended a while ago", &actions.InFlightError{What: "action", Owner: "worker-b", Until: now.Add(-time.Second)},
			time.Millisecond}, // InitialInterval
		{"lease end unknown", &actions.InFlightError{What: "action", Owner: "worker-b"},
			10 * time.Millisecond}, // MaxInterval
		{"lost the compare-and-set race", fmt.Errorf("%w: act_1 changed 4 times while acquiring", actions.ErrInFlight),
			10 * time.Millisecond}, // MaxInterval
		{"ledger unavailable", errors.New("nats: timeout"),
			time.Millisecond}, // InitialInterval
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cfg, b := setup(t, led)
			cfg.Now = func() time.Time { return now }
			cfg.Ledger = &hookedLedger{Ledger: led,
				acquire: func(context.Context, actions.Action, string, time.Duration) (actions.Lease, error) {
					return actions.Lease{}, tc.err
				}}
			dec := newExecutor(t, cfg).Execute(b.ctx, b.action, executor.Delivery{Num: 1})
			requireVerdict(t, dec, executor.Redeliver)
			if dec.Delay != tc.wantDelay {
				t.Fatalf("delay = %s, want %s", dec.Delay, tc.wantDelay)
			}
			if !errors.Is(dec.Err, tc.err) {
				t.Fatalf("err = %v, want %v", dec.Err, tc.err)
			}
			if n := b.target.numCalls(); n != 0 {
				t.Fatalf("target called %d times", n)
			}
		})
	}
}

// TestExecuteUserLock covers the lock that serializes actions on one user.
func TestExecuteUserLock(t *testing.T) {
	t.Parallel()
	led := startLedger(t)

	t.Run("held lock redelivers, then the action runs once it is released", func(t *testing.T) {
		t.Parallel()
		cfg, b := setup(t, led)
		const ttl = 5 * time.Second
		before := time.Now()
		unlock, err := led.TryLock(b.ctx, b.action.LockKey(), "worker-b", ttl)
		if err != nil {
			t.Fatal(err)
		}
		e := newExecutor(t, cfg)
		dec := e.Execute(b.ctx, b.action, executor.Delivery{Num: 1})
		elapsed := time.Since(before)

		requireVerdict(t, dec, executor.Redeliver)
		if !errors.Is(dec.Err, actions.ErrInFlight) {
			t.Fatalf("err = %v, want ErrInFlight", dec.Err)
		}
		if hi, lo := ttl+100*time.Millisecond, ttl+100*time.Millisecond-elapsed; dec.Delay > hi || dec.Delay < lo {
			t.Fatalf("delay = %s, want within [%s, %s]", dec.Delay, lo, hi)
		}
		if n := b.target.numCalls(); n != 0 {
			t.Fatalf("target called %d times while another worker held the user", n)
		}
		// The lease is given back, and waiting was not a failed attempt.
		if en := b.entry(t); en.State != ledger.StateReleased || en.Attempts != 0 || en.Failures != 0 {
			t.Fatalf("ledger entry %+v, want released with no attempts or failures", en)
		}

		if err := unlock(b.ctx); err != nil {
			t.Fatal(err)
		}
		dec = e.Execute(b.ctx, b.action, executor.Delivery{Num: 2})
		requireVerdict(t, dec, executor.Finish)
		requireResult(t, dec, resultSummary{Status: actions.StatusCompleted, Attempts: 1, Deliveries: 2, Worker: owner})
	})

	t.Run("shutdown while waiting for the lock hands the message back at once", func(t *testing.T) {
		t.Parallel()
		cfg, b := setup(t, led)
		cfg.Retry.MaxElapsed = 3 * time.Second
		cfg.Lease = 10 * time.Second
		if _, err := led.TryLock(b.ctx, b.action.LockKey(), "worker-b", time.Minute); err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(b.ctx, 100*time.Millisecond)
		defer cancel()
		dec := newExecutor(t, cfg).Execute(ctx, b.action, executor.Delivery{Num: 1})
		requireVerdict(t, dec, executor.Redeliver)
		if dec.Delay != 0 {
			t.Fatalf("delay = %s, want 0 at shutdown", dec.Delay)
		}
		if en := b.entry(t); en.State != ledger.StateReleased || en.Failures != 0 {
			t.Fatalf("ledger entry %+v, want released with no failures", en)
		}
	})

	t.Run("lock released while waiting runs in the same delivery", func(t *testing.T) {
		t.Parallel()
		cfg, b := setup(t, led)
		cfg.Retry.MaxElapsed = 3 * time.Second
		unlock, err := led.TryLock(b.ctx, b.action.LockKey(), "worker-b", time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		time.AfterFunc(60*time.Millisecond, func() { _ = unlock(context.Background()) })
		dec := newExecutor(t, cfg).Execute(b.ctx, b.action, executor.Delivery{Num: 1})
		requireVerdict(t, dec, executor.Finish)
		requireResult(t, dec, resultSummary{Status: actions.StatusCompleted, Attempts: 1, Deliveries: 1, Worker: owner})
	})

	t.Run("expired lock of a dead worker is taken over", func(t *testing.T) {
		t.Parallel()
		cfg, b := setup(t, led)
		if _, err := led.TryLock(b.ctx, b.action.LockKey(), "worker-dead", time.Millisecond); err != nil {
			t.Fatal(err)
		}
		time.Sleep(10 * time.Millisecond)
		dec := newExecutor(t, cfg).Execute(b.ctx, b.action, executor.Delivery{Num: 1})
		requireVerdict(t, dec, executor.Finish)
	})

	t.Run("without a locker the user lock is not consulted", func(t *testing.T) {
		t.Parallel()
		cfg, b := setup(t, led)
		cfg.Locker = nil
		if _, err := led.TryLock(b.ctx, b.action.LockKey(), "worker-b", time.Minute); err != nil {
			t.Fatal(err)
		}
		dec := newExecutor(t, cfg).Execute(b.ctx, b.action, executor.Delivery{Num: 1})
		requireVerdict(t, dec, executor.Finish)
	})

	t.Run("the lock is released after a failure", func(t *testing.T) {
		t.Parallel()
		cfg, b := setup(t, led)
		b.target.execute = func(context.Context, actions.Action, int) (actions.Outcome, error) {
			return actions.Outcome{}, actions.Permanent(errors.New("400 bad request"))
		}
		requireVerdict(t, newExecutor(t, cfg).Execute(b.ctx, b.action, executor.Delivery{Num: 1}), executor.DeadLetter)
		if _, err := led.TryLock(b.ctx, b.action.LockKey(), "worker-b", time.Minute); err != nil {
			t.Fatalf("user lock still held: %v", err)
		}
	})
}

// TestExecuteAttemptsExhausted follows one action over several deliveries
// that reach the target and fail transiently, with a wait on an open circuit
// in between that does not count.
func TestExecuteAttemptsExhausted(t *testing.T) {
	t.Parallel()
	led := startLedger(t)
	cfg, b := setup(t, led)
	cfg.MaxAttempts = 3
	circuitOpen := false
	b.target.execute = func(context.Context, actions.Action, int) (actions.Outcome, error) {
		if circuitOpen {
			return actions.Outcome{}, fmt.Errorf("circuit open: %w", actions.ErrTargetUnavailable)
		}
		return actions.Outcome{}, transient("503 service unavailable")
	}
	e := newExecutor(t, cfg)

	steps := []struct {
		circuitOpen  bool
		wantVerdict  executor.Verdict
		wantFailures int
	}{
		{false, executor.Redeliver, 1},
		{true, executor.Redeliver, 1},
		{false, executor.Redeliver, 2},
		{true, executor.Redeliver, 2},
		{false, executor.DeadLetter, 3},
	}
	realCalls := 0
	for i, step := range steps {
		circuitOpen = step.circuitOpen
		before := b.target.numCalls()
		dec := e.Execute(b.ctx, b.action, executor.Delivery{Num: i + 1})
		if !step.circuitOpen {
			realCalls += b.target.numCalls() - before
		}
		if dec.Verdict != step.wantVerdict {
			t.Fatalf("delivery %d: verdict %s (err %v), want %s", i+1, dec.Verdict, dec.Err, step.wantVerdict)
		}
		en := b.entry(t)
		if en.Failures != step.wantFailures || en.Attempts != realCalls {
			t.Fatalf("delivery %d: ledger failures %d attempts %d, want %d and %d",
				i+1, en.Failures, en.Attempts, step.wantFailures, realCalls)
		}
		if dec.Verdict == executor.DeadLetter {
			requireResult(t, dec, resultSummary{Status: actions.StatusFailed, Attempts: realCalls, Deliveries: i + 1,
				Worker: owner, ErrorClass: "transient"})
			requireContains(t, "reason", dec.Result.Reason, "503 service unavailable")
		}
	}
}

// TestExecuteSafety covers the Safety consulted before anything else.
func TestExecuteSafety(t *testing.T) {
	t.Parallel()
	led := startLedger(t)

	verdict := func(v actions.SafetyVerdict) func(context.Context, actions.Action, int) (actions.SafetyVerdict, error) {
		return func(context.Context, actions.Action, int) (actions.SafetyVerdict, error) { return v, nil }
	}
	failing := func(err error) func(context.Context, actions.Action, int) (actions.SafetyVerdict, error) {
		return func(context.Context, actions.Action, int) (actions.SafetyVerdict, error) {
			return actions.SafetyVerdict{}, err
		}
	}
	tests := []struct {
		name     string
		check    func(ctx context.Context, a actions.Action, call int) (actions.SafetyVerdict, error)
		dryRun   bool
		delivery int  // zero: 1
		roomy    bool // roomyBudget

		wantVerdict executor.Verdict
		want        resultSummary
		wantReason  string // in Result.Reason, or Err for Redeliver
		wantDelay   time.Duration
		wantChecks  int // or everyCall
		wantCalls   int
		wantLedger  bool
	}{
		{
			name: "allowed runs", check: verdict(actions.SafetyVerdict{}),
			wantVerdict: executor.Finish,
			want:        resultSummary{Status: actions.StatusCompleted, Attempts: 1, Deliveries: 1, Worker: owner},
			wantChecks:  1, wantCalls: 1, wantLedger: true,
		},
		{
			name: "refused is skipped without the ledger or the target", check: verdict(actions.SafetyVerdict{Refuse: "protected account"}),
			wantVerdict: executor.Finish,
			want:        resultSummary{Status: actions.StatusSkipped, Guard: actions.GuardRefused, Deliveries: 1, Worker: owner},
			wantReason:  "protected account",
			wantChecks:  1,
		},
		{
			name: "parked is skipped without the ledger or the target", check: verdict(actions.SafetyVerdict{Park: "blast radius 12 > 10"}),
			wantVerdict: executor.Finish,
			want:        resultSummary{Status: actions.StatusSkipped, Guard: actions.GuardParked, Deliveries: 1, Worker: owner},
			wantReason:  "blast radius 12 > 10",
			wantChecks:  1,
		},
		{
			name: "park and refuse: parked", check: verdict(actions.SafetyVerdict{Refuse: "no", Park: "wait"}),
			wantVerdict: executor.Finish,
			want:        resultSummary{Status: actions.StatusSkipped, Guard: actions.GuardParked, Deliveries: 1, Worker: owner},
			wantReason:  "wait",
			wantChecks:  1,
		},
		{
			name: "refused dry run is skipped too", check: verdict(actions.SafetyVerdict{Refuse: "protected account"}), dryRun: true,
			wantVerdict: executor.Finish,
			want:        resultSummary{Status: actions.StatusSkipped, Guard: actions.GuardRefused, Deliveries: 1, Worker: owner},
			wantReason:  "protected account",
			wantChecks:  1,
		},
		{
			name: "transient failure is retried within the delivery", roomy: true,
			check: func(_ context.Context, _ actions.Action, call int) (actions.SafetyVerdict, error) {
				if call == 1 {
					return actions.SafetyVerdict{}, transient("kv: timeout")
				}
				return actions.SafetyVerdict{}, nil
			},
			wantVerdict: executor.Finish,
			want:        resultSummary{Status: actions.StatusCompleted, Attempts: 1, Deliveries: 1, Worker: owner},
			wantChecks:  2, wantCalls: 1, wantLedger: true,
		},
		{
			name: "permanent failure dead-letters", check: failing(actions.Permanent(errors.New("bad rule"))),
			wantVerdict: executor.DeadLetter,
			want:        resultSummary{Status: actions.StatusFailed, Deliveries: 1, Worker: owner, ErrorClass: "permanent"},
			wantReason:  "safety check: bad rule",
			wantChecks:  1,
		},
		{
			name: "transient failure redelivers", check: failing(transient("kv: timeout")),
			wantVerdict: executor.Redeliver,
			wantReason:  "safety check: kv: timeout",
			wantDelay:   20 * time.Millisecond,
			wantChecks:  everyCall,
		},
		{
			name: "transient failure on the last attempt dead-letters", check: failing(transient("kv: timeout")), delivery: 3,
			wantVerdict: executor.DeadLetter,
			want:        resultSummary{Status: actions.StatusFailed, Deliveries: 3, Worker: owner, ErrorClass: "permanent"},
			wantReason:  "failed on 3 deliveries: safety check: kv: timeout",
			wantChecks:  everyCall,
		},
		{
			name: "transient failure past max attempts dead-letters", check: failing(transient("kv: timeout")), delivery: 7,
			wantVerdict: executor.DeadLetter,
			want:        resultSummary{Status: actions.StatusFailed, Deliveries: 7, Worker: owner, ErrorClass: "permanent"},
			wantReason:  "failed on 7 deliveries",
			wantChecks:  everyCall,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cfg, b := setup(t, led)
			cfg.DryRun = tc.dryRun
			if tc.roomy {
				roomyBudget(&cfg)
			}
			b.safety.check = tc.check
			cfg.Safety = b.safety
			num := tc.delivery
			if num == 0 {
				num = 1
			}
			dec := newExecutor(t, cfg).Execute(b.ctx, b.action, executor.Delivery{Num: num})

			requireVerdict(t, dec, tc.wantVerdict)
			requireResult(t, dec, tc.want)
			if dec.Verdict == executor.Redeliver {
				requireContains(t, "error", dec.Err.Error(), tc.wantReason)
				if dec.Delay != tc.wantDelay {
					t.Fatalf("delay = %s, want %s", dec.Delay, tc.wantDelay)
				}
			} else {
				requireContains(t, "reason", dec.Result.Reason, tc.wantReason)
			}
			checks := int(b.safety.calls.Load())
			if (tc.wantChecks == everyCall && checks < 1) || (tc.wantChecks != everyCall && checks != tc.wantChecks) {
				t.Fatalf("safety checked %d times, want %d", checks, tc.wantChecks)
			}
			if n := b.target.numCalls(); n != tc.wantCalls {
				t.Fatalf("target called %d times, want %d", n, tc.wantCalls)
			}
			if e := b.entry(t); (e != nil) != tc.wantLedger {
				t.Fatalf("ledger entry %+v, want one: %v", e, tc.wantLedger)
			}
		})
	}
}

// TestExecuteProtectedGroups covers members of protected groups, read from
// targets that can list a user's groups.
func TestExecuteProtectedGroups(t *testing.T) {
	t.Parallel()
	led := startLedger(t)

	groups := func(gs ...string) func(context.Context, actions.UserRef, int) ([]string, error) {
		return func(context.Context, actions.UserRef, int) ([]string, error) { return gs, nil }
	}
	tests := []struct {
		name       string
		protected  []string
		userGroups func(ctx context.Context, u actions.UserRef, call int) ([]string, error) // nil: not a GroupReader
		roomy      bool                                                                     // roomyBudget

		wantVerdict executor.Verdict
		want        resultSummary
		wantReason  string
		wantReads   int
		wantWrites  int
	}{
		{
			name: "member of a protected group is refused", protected: []string{"Tier0", "Domain Admins"},
			userGroups:  groups("Users", "domain admins"),
			wantVerdict: executor.Finish,
			want: resultSummary{Status: actions.StatusSkipped, Guard: actions.GuardRefused, Attempts: 1, Deliveries: 1,
				Worker: owner},
			wantReason: "is a member of domain admins on bi",
			wantReads:  1,
		},
		{
			name: "member of no protected group runs", protected: []string{"Domain Admins"},
			userGroups:  groups("Users", "Admins"),
			wantVerdict: executor.Finish,
			want:        resultSummary{Status: actions.StatusCompleted, Attempts: 1, Deliveries: 1, Worker: owner},
			wantReads:   1, wantWrites: 1,
		},
		{
			name: "no protected groups: groups are not read", userGroups: groups("Domain Admins"),
			wantVerdict: executor.Finish,
			want:        resultSummary{Status: actions.StatusCompleted, Attempts: 1, Deliveries: 1, Worker: owner},
			wantWrites:  1,
		},
		{
			name: "target that cannot list groups runs", protected: []string{"Domain Admins"},
			wantVerdict: executor.Finish,
			want:        resultSummary{Status: actions.StatusCompleted, Attempts: 1, Deliveries: 1, Worker: owner},
			wantWrites:  1,
		},
		{
			name: "group reader answering unsupported runs", protected: []string{"Domain Admins"},
			userGroups: func(context.Context, actions.UserRef, int) ([]string, error) {
				return nil, fmt.Errorf("application users: %w", actions.ErrUnsupported)
			},
			wantVerdict: executor.Finish,
			want:        resultSummary{Status: actions.StatusCompleted, Attempts: 1, Deliveries: 1, Worker: owner},
			wantReads:   1, wantWrites: 1,
		},
		{
			name: "group read failing transiently is retried", protected: []string{"Domain Admins"}, roomy: true,
			userGroups: func(_ context.Context, _ actions.UserRef, call int) ([]string, error) {
				if call == 1 {
					return nil, transient("503 service unavailable")
				}
				return []string{"Users"}, nil
			},
			wantVerdict: executor.Finish,
			want:        resultSummary{Status: actions.StatusCompleted, Attempts: 2, Deliveries: 1, Worker: owner},
			wantReads:   2, wantWrites: 1,
		},
		{
			name: "group read failing permanently dead-letters without a write", protected: []string{"Domain Admins"},
			userGroups: func(context.Context, actions.UserRef, int) ([]string, error) {
				return nil, actions.Permanent(errors.New("401 unauthorized"))
			},
			wantVerdict: executor.DeadLetter,
			want: resultSummary{Status: actions.StatusFailed, Attempts: 1, Deliveries: 1, Worker: owner,
				ErrorClass: "permanent"},
			wantReason: "401 unauthorized",
			wantReads:  1,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cfg, b := setup(t, led)
			cfg.ProtectedGroups = tc.protected
			if tc.roomy {
				roomyBudget(&cfg)
			}
			var gt *groupTarget
			if tc.userGroups != nil {
				gt = &groupTarget{scriptedTarget: b.target, userGroups: tc.userGroups}
				cfg.Targets = map[string]actions.Target{targetName: gt}
			}
			dec := newExecutor(t, cfg).Execute(b.ctx, b.action, executor.Delivery{Num: 1})

			requireVerdict(t, dec, tc.wantVerdict)
			requireResult(t, dec, tc.want)
			requireContains(t, "reason", dec.Result.Reason, tc.wantReason)
			if n := b.target.numCalls(); n != tc.wantWrites {
				t.Fatalf("target Execute called %d times, want %d", n, tc.wantWrites)
			}
			if gt != nil {
				if n := int(gt.reads.Load()); n != tc.wantReads {
					t.Fatalf("groups read %d times, want %d", n, tc.wantReads)
				}
			}
			if dec.Result.Guard == actions.GuardRefused {
				// Recorded as done: a redelivery does not ask again.
				if e := b.entry(t); e.State != ledger.StateDone || !e.Result.Outcome.Refused {
					t.Fatalf("ledger entry %+v, want done and refused", e)
				}
			}
		})
	}
}

// TestExecuteDryRun covers dry runs: the target is asked what it would
// send, and the ledger is left alone so the real action can still run.
func TestExecuteDryRun(t *testing.T) {
	t.Parallel()
	led := startLedger(t)

	plan := func(_ context.Context, a actions.Action, _ int) (actions.Outcome, error) {
		if a.DryRun {
			return actions.Outcome{Status: actions.StatusCompleted, Reason: "would quarantine",
				Calls: []actions.Call{{Method: "POST", Path: "/users/42/quarantine"}}}, nil
		}
		return actions.Outcome{Status: actions.StatusCompleted, Reason: "quarantined"}, nil
	}
	tests := []struct {
		name      string
		configure func(cfg *executor.Config, b *testBundle)
	}{
		{"every action", func(cfg *executor.Config, _ *testBundle) { cfg.DryRun = true }},
		{"actions on a dry-run target", func(cfg *executor.Config, _ *testBundle) {
			cfg.DryRunTargets = map[string]bool{"other": false, targetName: true}
		}},
		{"action asking for a dry run", func(_ *executor.Config, b *testBundle) { b.action.DryRun = true }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cfg, b := setup(t, led)
			b.target.execute = plan
			realCfg := cfg
			tc.configure(&cfg, b)
			// Even another worker holding the user does not hold up a
			// dry run: it changes nothing.
			unlock, err := led.TryLock(b.ctx, b.action.LockKey(), "worker-b", time.Minute)
			if err != nil {
				t.Fatal(err)
			}

			dec := newExecutor(t, cfg).Execute(b.ctx, b.action, executor.Delivery{Num: 1})

			requireVerdict(t, dec, executor.Finish)
			requireResult(t, dec, resultSummary{Status: actions.StatusCompleted, Deliveries: 1, Worker: owner})
			requireContains(t, "reason", dec.Result.Reason, "would quarantine")
			if !dec.Result.Action.DryRun || len(dec.Result.Outcome.Calls) != 1 {
				t.Fatalf("result %+v, want a dry-run action and its plan", dec.Result)
			}
			if n, dry := b.target.numCalls(), b.target.numDryRunCalls(); n != 1 || dry != 1 {
				t.Fatalf("target called %d times, %d of them dry runs; want one dry run", n, dry)
			}
			if e := b.entry(t); e != nil {
				t.Fatalf("dry run recorded in the ledger: %+v", e)
			}

			// The real action with the same id runs afterwards.
			if err := unlock(b.ctx); err != nil {
				t.Fatal(err)
			}
			b.action.DryRun = false
			dec = newExecutor(t, realCfg).Execute(b.ctx, b.action, executor.Delivery{Num: 1})
			requireVerdict(t, dec, executor.Finish)
			requireResult(t, dec, resultSummary{Status: actions.StatusCompleted, Attempts: 1, Deliveries: 1, Worker: owner})
			if n, dry := b.target.numCalls(), b.target.numDryRunCalls(); n != 2 || dry != 1 {
				t.Fatalf("target called %d times, %d of them dry runs; want a real call after the dry run", n, dry)
			}
		})
	}

	t.Run("other targets are not dry runs", func(t *testing.T) {
		t.Parallel()
		cfg, b := setup(t, led)
		cfg.DryRunTargets = map[string]bool{"other": true}
		dec := newExecutor(t, cfg).Execute(b.ctx, b.action, executor.Delivery{Num: 1})
		requireVerdict(t, dec, executor.Finish)
		if n := b.target.numDryRunCalls(); n != 0 || dec.Result.Action.DryRun {
			t.Fatalf("%d dry-run calls on a target not configured for dry runs", n)
		}
	})

	t.Run("dry run failing permanently dead-letters", func(t *testing.T) {
		t.Parallel()
		cfg, b := setup(t, led)
		cfg.DryRun = true
		b.target.execute = func(context.Context, actions.Action, int) (actions.Outcome, error) {
			return actions.Outcome{}, actions.Permanent(errors.New("cannot set email"))
		}
		dec := newExecutor(t, cfg).Execute(b.ctx, b.action, executor.Delivery{Num: 1})
		requireVerdict(t, dec, executor.DeadLetter)
		requireResult(t, dec, resultSummary{Status: actions.StatusFailed, Deliveries: 1, Worker: owner, ErrorClass: "permanent"})
		if e := b.entry(t); e != nil {
			t.Fatalf("dry run recorded in the ledger: %+v", e)
		}
	})

	// A dry run follows the same limits as a real action: an open circuit
	// waits (Decision: the circuit never ends an action on its own).
	t.Run("dry run against an open circuit waits", func(t *testing.T) {
		t.Parallel()
		cfg, b := setup(t, led)
		cfg.DryRun = true
		b.target.execute = func(context.Context, actions.Action, int) (actions.Outcome, error) {
			return actions.Outcome{}, fmt.Errorf("circuit open: %w", actions.ErrTargetUnavailable)
		}
		dec := newExecutor(t, cfg).Execute(b.ctx, b.action, executor.Delivery{Num: 1})
		requireVerdict(t, dec, executor.Redeliver)
	})
}

// TestExecuteAttribution covers an effect found already in place after one
// of the action's own attempts may have made it.
func TestExecuteAttribution(t *testing.T) {
	t.Parallel()
	led := startLedger(t)

	unanswered := actions.Call{Method: "POST", Path: "/users/42/quarantine"}
	alreadyDone := actions.Outcome{Status: actions.StatusSkipped, Reason: "already quarantined", TargetUserID: "42"}

	t.Run("unanswered write, then found done on a later delivery", func(t *testing.T) {
		t.Parallel()
		cfg, b := setup(t, led)
		b.target.execute = func(_ context.Context, _ actions.Action, call int) (actions.Outcome, error) {
			if call == 1 {
				// Retry-After beyond the budget: one call, then redeliver.
				return actions.Outcome{}, &actions.UnansweredError{Call: unanswered,
					Err: actions.Transient(errors.New("read tcp: i/o timeout"), time.Hour)}
			}
			return alreadyDone, nil
		}
		e := newExecutor(t, cfg)
		dec := e.Execute(b.ctx, b.action, executor.Delivery{Num: 1})
		requireVerdict(t, dec, executor.Redeliver)
		if en := b.entry(t); len(en.Unanswered) != 1 || en.Unanswered[0] != unanswered {
			t.Fatalf("ledger unanswered %+v, want [%+v]", en.Unanswered, unanswered)
		}

		dec = e.Execute(b.ctx, b.action, executor.Delivery{Num: 2})
		requireVerdict(t, dec, executor.Finish)
		requireResult(t, dec, resultSummary{Status: actions.StatusCompleted, Attempts: 2, Deliveries: 2, Worker: owner})
		if got := dec.Result.Outcome.Details[actions.DetailEffect]; got != actions.EffectEarlierAttempt {
			t.Fatalf("effect %q, want %q", got, actions.EffectEarlierAttempt)
		}
		requireContains(t, "reason", dec.Result.Reason, "already quarantined: most likely by Quell's own earlier POST /users/42/quarantine")
		if calls := dec.Result.Outcome.Calls; len(calls) != 1 || calls[0] != unanswered {
			t.Fatalf("outcome calls %+v, want the unanswered write", calls)
		}
		if n, dry := b.target.numCalls(), b.target.numDryRunCalls(); n != 2 || dry != 0 {
			t.Fatalf("target called %d times (%d dry runs), want 2 and 0", n, dry)
		}
		if en := b.entry(t); en.State != ledger.StateDone || en.Result.Status != actions.StatusCompleted {
			t.Fatalf("ledger entry %+v, want done and completed", en)
		}
	})

	t.Run("unanswered write, then found done in the same delivery", func(t *testing.T) {
		t.Parallel()
		cfg, b := setup(t, led)
		roomyBudget(&cfg)
		b.target.execute = func(_ context.Context, _ actions.Action, call int) (actions.Outcome, error) {
			if call == 1 {
				return actions.Outcome{}, &actions.UnansweredError{Call: unanswered, Err: errors.New("EOF")}
			}
			return alreadyDone, nil
		}
		dec := newExecutor(t, cfg).Execute(b.ctx, b.action, executor.Delivery{Num: 1})
		requireVerdict(t, dec, executor.Finish)
		requireResult(t, dec, resultSummary{Status: actions.StatusCompleted, Attempts: 2, Deliveries: 1, Worker: owner})
		if got := dec.Result.Outcome.Details[actions.DetailEffect]; got != actions.EffectEarlierAttempt {
			t.Fatalf("effect %q, want %q", got, actions.EffectEarlierAttempt)
		}
	})

	interrupted := func(t *testing.T, b *testBundle) {
		t.Helper()
		// A worker took the lease and died without releasing it.
		if _, err := led.Acquire(b.ctx, b.action, "worker-dead", time.Millisecond); err != nil {
			t.Fatal(err)
		}
		time.Sleep(10 * time.Millisecond)
	}
	tests := []struct {
		name       string
		plan       func() (actions.Outcome, error) // the target's dry run
		real       actions.Outcome                 // the target's real answer
		wantStatus actions.Status
		wantEffect string
		wantReason string
		wantDry    int
	}{
		{
			name: "interrupted attempt, then found done",
			plan: func() (actions.Outcome, error) {
				return actions.Outcome{Status: actions.StatusCompleted, Calls: []actions.Call{
					{Method: "GET", Path: "/users?username=jdoe"},
					{Method: "POST", Path: "/users/{id}/quarantine"},
				}}, nil
			},
			real: alreadyDone, wantStatus: actions.StatusSkipped, wantEffect: actions.EffectPossiblyEarlierAttempt,
			wantReason: "already quarantined (an earlier attempt of this action was interrupted and may have made this change: it would have sent POST /users/42/quarantine;",
			wantDry:    1,
		},
		{
			name: "interrupted attempt whose plan cannot be made",
			plan: func() (actions.Outcome, error) { return actions.Outcome{}, errors.New("timeout") },
			real: alreadyDone, wantStatus: actions.StatusSkipped, wantEffect: actions.EffectPossiblyEarlierAttempt,
			wantReason: "it would have sent its write;",
			wantDry:    1,
		},
		{
			name:       "interrupted attempt, then a change still to make",
			real:       actions.Outcome{Status: actions.StatusCompleted, Reason: "quarantined"},
			wantStatus: actions.StatusCompleted,
			wantReason: "quarantined",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cfg, b := setup(t, led)
			b.target.execute = func(_ context.Context, a actions.Action, _ int) (actions.Outcome, error) {
				if a.DryRun {
					return tc.plan()
				}
				return tc.real, nil
			}
			interrupted(t, b)
			dec := newExecutor(t, cfg).Execute(b.ctx, b.action, executor.Delivery{Num: 2})

			requireVerdict(t, dec, executor.Finish)
			requireResult(t, dec, resultSummary{Status: tc.wantStatus, Attempts: 1, Deliveries: 2, Worker: owner})
			if got := dec.Result.Outcome.Details[actions.DetailEffect]; got != tc.wantEffect {
				t.Fatalf("effect %q, want %q", got, tc.wantEffect)
			}
			requireContains(t, "reason", dec.Result.Reason, tc.wantReason)
			if n, dry := b.target.numCalls(), b.target.numDryRunCalls(); n != 1+tc.wantDry || dry != tc.wantDry {
				t.Fatalf("target called %d times (%d dry runs), want one real call and %d dry runs", n, dry, tc.wantDry)
			}
			if len(dec.Result.Outcome.Calls) != 0 {
				t.Fatalf("outcome claims calls %+v", dec.Result.Outcome.Calls)
			}
		})
	}

	t.Run("protected refusal is not attributed", func(t *testing.T) {
		t.Parallel()
		cfg, b := setup(t, led)
		cfg.ProtectedGroups = []string{"Tier0"}
		cfg.Targets = map[string]actions.Target{targetName: &groupTarget{scriptedTarget: b.target,
			userGroups: func(context.Context, actions.UserRef, int) ([]string, error) { return []string{"tier0"}, nil }}}
		interrupted(t, b)
		dec := newExecutor(t, cfg).Execute(b.ctx, b.action, executor.Delivery{Num: 2})
		requireVerdict(t, dec, executor.Finish)
		requireResult(t, dec, resultSummary{Status: actions.StatusSkipped, Guard: actions.GuardRefused, Attempts: 1,
			Deliveries: 2, Worker: owner})
		if _, ok := dec.Result.Outcome.Details[actions.DetailEffect]; ok || b.target.numCalls() != 0 {
			t.Fatalf("refusal attributed (%v) or target called (%d)", dec.Result.Outcome.Details, b.target.numCalls())
		}
	})

	// Finish failing leaves the lease running: the next delivery finds the
	// effect in place and cannot tell whose it is.
	t.Run("effect not recorded is found by the next delivery", func(t *testing.T) {
		t.Parallel()
		cfg, b := setup(t, led)
		failed := false
		cfg.Ledger = &hookedLedger{Ledger: led, finish: func(context.Context, actions.Lease, actions.Record) error {
			if !failed {
				failed = true
				return errors.New("nats: timeout")
			}
			return nil
		}}
		b.target.execute = func(_ context.Context, _ actions.Action, call int) (actions.Outcome, error) {
			if call == 1 {
				return actions.Outcome{Status: actions.StatusCompleted, Reason: "quarantined"}, nil
			}
			return alreadyDone, nil
		}
		e := newExecutor(t, cfg)
		dec := e.Execute(b.ctx, b.action, executor.Delivery{Num: 1})
		requireVerdict(t, dec, executor.Redeliver)
		requireContains(t, "error", dec.Err.Error(), "ledger finish: nats: timeout")
		if dec.Delay != time.Millisecond {
			t.Fatalf("delay = %s, want the initial interval", dec.Delay)
		}
		dec = e.Execute(b.ctx, b.action, executor.Delivery{Num: 2})
		requireVerdict(t, dec, executor.Finish)
		requireResult(t, dec, resultSummary{Status: actions.StatusSkipped, Attempts: 1, Deliveries: 2, Worker: owner})
		if got := dec.Result.Outcome.Details[actions.DetailEffect]; got != actions.EffectPossiblyEarlierAttempt {
			t.Fatalf("effect %q, want %q", got, actions.EffectPossiblyEarlierAttempt)
		}
	})
}
