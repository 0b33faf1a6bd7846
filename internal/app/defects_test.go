package app_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/quell-dev/quell/internal/actions"
	"github.com/quell-dev/quell/internal/dlq"
	"github.com/quell-dev/quell/internal/events"
	"github.com/quell-dev/quell/internal/pam/simkit"
	"github.com/quell-dev/quell/internal/quelltest"
)

// A circuit probe that reaches a failing target is a failed attempt: the
// action is dead-lettered after worker.max_attempts deliveries (3 here),
// not after max_deliveries (10), and its result counts every call that
// reached the target, probes included.
func TestFailedProbesAreFailedAttempts(t *testing.T) {
	t.Parallel()
	p := quelltest.StartPipeline(t, quelltest.PipelineOptions{TargetExtra: "circuit: {failures: 1, open_for: 300ms}"})
	p.BI.Inject(quarantineRoute, simkit.Fault{Status: 503})
	acceptAlert(t, p, `{"user":"asmith","severity":90}`)
	r := p.WaitResults(t, 1, 60*time.Second)[0]
	if r.Status != actions.StatusFailed || r.Deliveries != 3 {
		t.Fatalf("result %s after %d deliveries (%s), want failed after max_attempts=3", r.Status, r.Deliveries, r.Reason)
	}
	if sent := p.BI.Count(quarantineRoute); r.Attempts != sent {
		t.Fatalf("result reports %d calls; the target received %d", r.Attempts, sent)
	}
	if r.Attempts <= 3 {
		t.Fatalf("%d calls: the probes were not counted", r.Attempts)
	}
	// The failed result is published before the message is dead-lettered.
	dead := waitDeadLetters(t, p.NATS.JS, "quell.dlq.execute", 10*time.Second, "the dead letter")
	if len(dead) != 1 || !strings.Contains(dead[0].Header.Get(dlq.HeaderReason), "503") {
		t.Fatalf("dead-lettered %d, want 1 naming the 503", len(dead))
	}
}

// When a quarantine took effect but its answer was lost, the retry finds
// the user quarantined: the result says Quell's own call most likely made
// the change and lists it, rather than report the effect as someone else's.
func TestLostAnswerIsAttributedToQuellsOwnCall(t *testing.T) {
	t.Parallel()
	p := quelltest.StartPipeline(t, quelltest.PipelineOptions{})
	p.BI.Inject(quarantineRoute, simkit.Fault{LoseAnswer: true, Times: 1})
	acceptAlert(t, p, `{"user":"asmith","severity":90}`)
	r := p.WaitResults(t, 1, 30*time.Second)[0]
	if n := p.BI.Count(quarantineRoute); n != 1 {
		t.Fatalf("%d quarantine calls, want 1", n)
	}
	if u, _ := p.BI.User(13); !u.IsQuarantined {
		t.Fatal("not quarantined")
	}
	if r.Status != actions.StatusCompleted || !strings.Contains(r.Reason, "most likely by Quell's own earlier POST Users/13/Quarantine") {
		t.Fatalf("result %s: %s", r.Status, r.Reason)
	}
	calls := r.Outcome.Calls
	if len(calls) != 1 || calls[0].Method != "POST" || calls[0].Path != "Users/13/Quarantine" {
		t.Fatalf("calls %+v, want the unanswered POST", calls)
	}
	if r.Outcome.Details[actions.DetailEffect] != actions.EffectEarlierAttempt {
		t.Fatalf("details %v", r.Outcome.Details)
	}
}

// A safety check that cannot succeed (here: a blast-radius window that
// does not decode) ends in a failed result and the DLQ on the first
// delivery, with the reason, instead of being redelivered until JetStream
// gives up.
func TestUnhealableSafetyCheckIsDeadLettered(t *testing.T) {
	t.Parallel()
	p := quelltest.StartPipeline(t, quelltest.PipelineOptions{})
	kv, err := p.NATS.JS.KeyValue(context.Background(), events.BucketLimits)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := kv.Put(context.Background(), "blast.bi.quarantine", []byte("{not json")); err != nil {
		t.Fatal(err)
	}
	acceptAlert(t, p, `{"user":"asmith","severity":90}`)
	res := p.WaitResults(t, 1, 30*time.Second)
	var r events.ActionResult
	for _, x := range res {
		if x.Action.Target == "bi" {
			r = x
		}
	}
	if r.Status != actions.StatusFailed || r.Deliveries != 1 || r.ErrorClass != "permanent" || !strings.Contains(r.Reason, "safety check") {
		t.Fatalf("result %+v", r)
	}
	if n := p.BI.Count(quarantineRoute); n != 0 {
		t.Fatalf("%d quarantine calls without a safety check", n)
	}
	// The failed result is published before the message is dead-lettered.
	dead := waitDeadLetters(t, p.NATS.JS, "quell.dlq.execute", 10*time.Second, "the dead letter")
	if len(dead) != 1 || !strings.Contains(dead[0].Header.Get(dlq.HeaderReason), "safety check") {
		t.Fatalf("DLQ %d entries", len(dead))
	}
}
