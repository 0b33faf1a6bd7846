package executor_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/quell-dev/quell/internal/actions"
	"github.com/quell-dev/quell/internal/executor"
	"github.com/quell-dev/quell/internal/ledger"
	"github.com/quell-dev/quell/internal/secret"
)

// TestExecuteSecrets covers actions that produce a secret: it goes to the
// sink before the action is recorded done, and never into the result.
func TestExecuteSecrets(t *testing.T) {
	t.Parallel()
	led := startLedger(t)

	const value = "n3w-cl13nt-s3cr3t"
	produced := secret.New(value)
	rotate := func(context.Context, actions.Action, int) (actions.Outcome, error) {
		return actions.Outcome{Status: actions.StatusCompleted, Reason: "rotated", Secret: secret.New(value)}, nil
	}
	// noLeak fails the test if the secret's value is anywhere in dec.
	noLeak := func(t *testing.T, dec executor.Decision) {
		t.Helper()
		if !dec.Result.Outcome.Secret.IsZero() {
			t.Fatal("the result carries the secret")
		}
		if dec.Err != nil && strings.Contains(dec.Err.Error(), value) {
			t.Fatalf("error reveals the secret: %v", dec.Err)
		}
		if strings.Contains(dec.Result.Reason, value) {
			t.Fatalf("reason reveals the secret: %q", dec.Result.Reason)
		}
	}

	t.Run("delivered to the sink", func(t *testing.T) {
		t.Parallel()
		cfg, b := setup(t, led)
		cfg.Secrets = b.sink
		b.action.Kind = actions.RotateClientSecret
		b.target.execute = rotate
		dec := newExecutor(t, cfg).Execute(b.ctx, b.action, executor.Delivery{Num: 1})

		requireVerdict(t, dec, executor.Finish)
		requireResult(t, dec, resultSummary{Status: actions.StatusCompleted, Attempts: 1, Deliveries: 1, Worker: owner})
		noLeak(t, dec)
		if got := dec.Result.Outcome.Details[actions.DetailSecretFingerprint]; got != produced.Fingerprint() {
			t.Fatalf("fingerprint %q, want %q", got, produced.Fingerprint())
		}
		if b.sink.numDelivered() != 1 || !b.sink.delivered[0].Equal(produced) {
			t.Fatalf("sink got %d secrets, want the produced one", b.sink.numDelivered())
		}
		if e := b.entry(t); e.State != ledger.StateDone || e.Result.Outcome.Details[actions.DetailSecretFingerprint] != produced.Fingerprint() {
			t.Fatalf("ledger entry %+v, want done with the fingerprint", e)
		}
	})

	// Undelivered, the secret is lost to everyone: the delivery fails as
	// transient, and the next one rotates again and delivers that secret.
	t.Run("sink failing to deliver is transient, and the next delivery rotates again", func(t *testing.T) {
		t.Parallel()
		cfg, b := setup(t, led)
		cfg.Secrets = b.sink
		b.action.Kind = actions.RotateClientSecret
		b.target.execute = rotate
		sinkDown := true
		b.sink.deliver = func(context.Context, actions.Action, secret.Secret) error {
			if sinkDown {
				return errors.New("kv: no responders")
			}
			return nil
		}
		e := newExecutor(t, cfg)
		dec := e.Execute(b.ctx, b.action, executor.Delivery{Num: 1})

		requireVerdict(t, dec, executor.Redeliver)
		noLeak(t, dec)
		if class, _ := actions.Classify(dec.Err); class != actions.ClassTransient {
			t.Fatalf("err %v is %s, want transient", dec.Err, class)
		}
		requireContains(t, "error", dec.Err.Error(), "deliver produced secret (fingerprint "+produced.Fingerprint()+"): kv: no responders")
		if dec.Delay != testRetry().RedeliveryDelay {
			t.Fatalf("delay = %s, want the redelivery delay", dec.Delay)
		}
		if n := b.target.numCalls(); n != 1 {
			t.Fatalf("target called %d times, want 1 (the sink is not retried within the delivery)", n)
		}
		if en := b.entry(t); en.State != ledger.StateReleased || en.Attempts != 1 || en.Failures != 1 {
			t.Fatalf("ledger entry %+v, want released with one attempt and one failure", en)
		}

		sinkDown = false
		dec = e.Execute(b.ctx, b.action, executor.Delivery{Num: 2})
		requireVerdict(t, dec, executor.Finish)
		requireResult(t, dec, resultSummary{Status: actions.StatusCompleted, Attempts: 2, Deliveries: 2, Worker: owner})
		if n := b.target.numCalls(); n != 2 || b.sink.numDelivered() != 1 {
			t.Fatalf("target called %d times, sink got %d secrets; want 2 and 1", n, b.sink.numDelivered())
		}
	})

	t.Run("sink failing on the last attempt dead-letters", func(t *testing.T) {
		t.Parallel()
		cfg, b := setup(t, led)
		cfg.MaxAttempts = 1
		cfg.Secrets = b.sink
		b.action.Kind = actions.RotateClientSecret
		b.target.execute = rotate
		b.sink.deliver = func(context.Context, actions.Action, secret.Secret) error { return errors.New("kv: no responders") }
		dec := newExecutor(t, cfg).Execute(b.ctx, b.action, executor.Delivery{Num: 1})
		requireVerdict(t, dec, executor.DeadLetter)
		requireResult(t, dec, resultSummary{Status: actions.StatusFailed, Attempts: 1, Deliveries: 1, Worker: owner, ErrorClass: "transient"})
		noLeak(t, dec)
	})

	// Refused before rotating: rotating without a recipient would lock the
	// client out with a secret nobody can read.
	refusals := []struct {
		name       string
		configure  func(cfg *executor.Config, b *testBundle)
		wantReason string
	}{
		{"without a sink", func(cfg *executor.Config, _ *testBundle) { cfg.Secrets = nil },
			"rotate_client_secret refused: no secret store"},
		{"without a recipient", func(cfg *executor.Config, b *testBundle) {
			cfg.Secrets = b.sink
			b.sink.canDeliver = func(actions.Action) error { return errors.New("no recipient for app-7") }
		}, "rotate_client_secret refused before rotating: no recipient for app-7"},
	}
	for _, tc := range refusals {
		t.Run("refused before rotating "+tc.name, func(t *testing.T) {
			t.Parallel()
			cfg, b := setup(t, led)
			b.action.Kind = actions.RotateClientSecret
			b.target.execute = rotate
			tc.configure(&cfg, b)
			dec := newExecutor(t, cfg).Execute(b.ctx, b.action, executor.Delivery{Num: 1})
			requireVerdict(t, dec, executor.DeadLetter)
			requireResult(t, dec, resultSummary{Status: actions.StatusFailed, Deliveries: 1, Worker: owner, ErrorClass: "permanent"})
			requireContains(t, "reason", dec.Result.Reason, tc.wantReason)
			if n := b.target.numCalls(); n != 0 {
				t.Fatalf("target called %d times, want 0: refused before rotating", n)
			}
			if e := b.entry(t); e != nil {
				t.Fatalf("ledger entry %+v, want none", e)
			}
		})
	}

	t.Run("secret from another kind without a sink is transient", func(t *testing.T) {
		t.Parallel()
		cfg, b := setup(t, led)
		b.target.execute = rotate
		dec := newExecutor(t, cfg).Execute(b.ctx, b.action, executor.Delivery{Num: 1})
		requireVerdict(t, dec, executor.Redeliver)
		requireContains(t, "error", dec.Err.Error(), "no secret store is configured")
		noLeak(t, dec)
	})
}
