package app_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/quell-dev/quell/internal/actions"
	"github.com/quell-dev/quell/internal/events"
	"github.com/quell-dev/quell/internal/ledger"
	"github.com/quell-dev/quell/internal/quelltest"
	"github.com/quell-dev/quell/internal/workersvc"
)

// A worker paused past its lease (SIGSTOP in the chaos suite) must not
// act on the action when it resumes: the fence lets writes through only
// while the ledger says this worker holds an unexpired lease.
func TestLeaseFence(t *testing.T) {
	t.Parallel()
	n := quelltest.StartNATS(t)
	ctx := context.Background()
	if err := events.EnsureStreams(ctx, n.JS, events.DefaultStreamOptions()); err != nil {
		t.Fatal(err)
	}
	led, err := ledger.Open(ctx, n.JS, events.BucketLedger)
	if err != nil {
		t.Fatal(err)
	}
	a := actions.Action{ID: "act_fence", Kind: actions.Quarantine, Target: "bi", User: actions.UserRef{Username: "jdoe"}}
	if _, err := led.Acquire(ctx, a, "worker-a", 200*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	clock := func() time.Time { return now }
	if err := workersvc.LeaseFence(led, "worker-a", clock)(ctx, a.ID); err != nil {
		t.Fatalf("holder fenced: %v", err)
	}
	if err := workersvc.LeaseFence(led, "worker-b", clock)(ctx, a.ID); !errors.Is(err, actions.ErrFenced) {
		t.Fatalf("another worker passes the fence: %v", err)
	}
	later := func() time.Time { return now.Add(time.Second) }
	if err := workersvc.LeaseFence(led, "worker-a", later)(ctx, a.ID); !errors.Is(err, actions.ErrFenced) {
		t.Fatalf("an expired lease passes the fence: %v", err)
	}
	// Taken over by worker-b after the expiry: worker-a, resuming, is fenced.
	time.Sleep(250 * time.Millisecond)
	if _, err := led.Acquire(ctx, a, "worker-b", time.Minute); err != nil {
		t.Fatal(err)
	}
	if err := workersvc.LeaseFence(led, "worker-a", time.Now)(ctx, a.ID); !errors.Is(err, actions.ErrFenced) {
		t.Fatalf("the old holder passes the fence after a takeover: %v", err)
	}
	if err := workersvc.LeaseFence(led, "worker-b", time.Now)(ctx, a.ID); err != nil {
		t.Fatalf("new holder fenced: %v", err)
	}
}
