package safety_test

import (
	"context"
	"testing"
	"time"

	"github.com/quell-dev/quell/internal/actions"
	"github.com/quell-dev/quell/internal/config"
	"github.com/quell-dev/quell/internal/quelltest"
	"github.com/quell-dev/quell/internal/safety"
)

// Parked actions no one decides are rejected after the approval timeout:
// deny by default, with the rejection recorded as their result.
func TestParkedActionsExpire(t *testing.T) {
	t.Parallel()
	n := quelltest.StartNATS(t)
	ctx := context.Background()
	g, err := safety.Open(ctx, n.JS, config.Safety{BlastRadius: []config.BlastRadius{{Action: "*", Target: "*", Max: 1, Window: time.Hour}}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	act := func(id string) actions.Action {
		return actions.Action{ID: id, Kind: actions.Quarantine, Target: "bi", User: actions.UserRef{Username: id}, RequestedBy: "policy"}
	}
	if v, err := g.Check(ctx, act("first")); err != nil || v.Park != "" {
		t.Fatalf("first: %+v %v", v, err)
	}
	if v, err := g.Check(ctx, act("second")); err != nil || v.Park == "" {
		t.Fatalf("second not parked: %+v %v", v, err)
	}
	board, err := safety.OpenBoard(ctx, n.JS)
	if err != nil {
		t.Fatal(err)
	}
	if n, err := board.Expire(ctx, time.Hour); err != nil || n != 0 {
		t.Fatalf("expired before the timeout: %d %v", n, err)
	}
	if n, err := board.Expire(ctx, 0); err != nil || n != 1 {
		t.Fatalf("expire: %d %v", n, err)
	}
	res := quelltest.Results(t, n.JS)
	if len(res) != 1 || res[0].Guard != actions.GuardRejected || res[0].Action.ID != "second" {
		t.Fatalf("results %+v", res)
	}
	if left, _ := board.List(ctx); len(left) != 0 {
		t.Fatalf("%d still parked", len(left))
	}
}
