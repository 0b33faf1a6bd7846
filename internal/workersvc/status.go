package workersvc

import (
	"context"
	"encoding/json"
	"log/slog"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/quell-dev/quell/internal/circuitstatus"
	"github.com/quell-dev/quell/internal/events"
	"github.com/quell-dev/quell/internal/safety"
	"github.com/quell-dev/quell/internal/targets"
)

// reportCircuits writes every target's circuit state to the status bucket
// now and every [events.StatusInterval] until ctx ends; entries expire when
// the worker stops refreshing them.
func reportCircuits(ctx context.Context, js jetstream.JetStream, set *targets.Set, worker string, log *slog.Logger) {
	kv, err := js.KeyValue(ctx, events.BucketStatus)
	if err != nil {
		log.Warn("status bucket unavailable; quellctl status will not show circuits", "error", err)
		return
	}
	t := time.NewTicker(events.StatusInterval)
	defer t.Stop()
	for {
		for target, state := range set.CircuitStates() {
			b, _ := json.Marshal(circuitstatus.Report{Target: target, State: state, Worker: worker, At: time.Now().UTC()})
			if _, err := kv.Put(ctx, circuitstatus.Key(target, worker), b); err != nil && ctx.Err() == nil {
				log.Warn("status report failed", "error", err)
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// expireParked rejects parked actions older than timeout, every minute
// (or a tenth of the timeout) until ctx ends. Every replica runs it; the
// compare-and-set in Board.Reject decides each action once.
func expireParked(ctx context.Context, js jetstream.JetStream, timeout time.Duration, log *slog.Logger) {
	board, err := safety.OpenBoard(ctx, js)
	if err != nil {
		log.Warn("parked actions will not expire", "error", err)
		return
	}
	t := time.NewTicker(min(time.Minute, max(timeout/10, time.Second)))
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if n, err := board.Expire(ctx, timeout); err != nil && ctx.Err() == nil {
			log.Warn("expiring parked actions", "error", err)
		} else if n > 0 {
			log.Warn("parked actions rejected: not approved in time", "count", n, "approval_timeout", timeout.String())
		}
	}
}
