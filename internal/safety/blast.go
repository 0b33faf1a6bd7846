package safety

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/quell-dev/quell/internal/actions"
	"github.com/quell-dev/quell/internal/clock"
	"github.com/quell-dev/quell/internal/config"
	"github.com/quell-dev/quell/internal/events"
)

// Guard is the whole safety check: protected accounts, then the
// blast-radius limit, parking what exceeds it. It implements [actions.Safety].
type Guard struct {
	protected *Protected
	rules     []config.BlastRadius
	limits    jetstream.KeyValue
	parked    jetstream.KeyValue
	now       func() time.Time
}

var _ actions.Safety = (*Guard)(nil)

// Open binds the guard to the limits and parked buckets.
func Open(ctx context.Context, js jetstream.JetStream, s config.Safety, targets []config.Target) (*Guard, error) {
	limits, err := js.KeyValue(ctx, events.BucketLimits)
	if err != nil {
		return nil, fmt.Errorf("open limits bucket: %w", err)
	}
	parked, err := js.KeyValue(ctx, events.BucketParked)
	if err != nil {
		return nil, fmt.Errorf("open parked bucket: %w", err)
	}
	return &Guard{protected: New(s, targets), rules: s.BlastRadius, limits: limits, parked: parked, now: time.Now}, nil
}

// Check implements [actions.Safety]. Only automation is limited: a
// responder's request, an approved action and a dry run are not counted.
func (g *Guard) Check(ctx context.Context, a actions.Action) (actions.SafetyVerdict, error) {
	refusal, err := g.protected.Check(ctx, a)
	if err != nil || refusal != "" {
		return actions.SafetyVerdict{Refuse: refusal}, err
	}
	rule, ok := g.rule(a)
	if !ok || a.DryRun || a.ApprovedBy != "" || a.RequestedBy != "policy" {
		return actions.SafetyVerdict{}, nil
	}
	over, err := g.admit(ctx, a, rule)
	if err != nil || !over {
		return actions.SafetyVerdict{}, err
	}
	reason := fmt.Sprintf("parked for approval: more than %d %s on %s within %s", rule.Max, a.Kind, a.Target, rule.Window)
	if err := g.park(ctx, a, reason); err != nil {
		return actions.SafetyVerdict{}, err
	}
	return actions.SafetyVerdict{Park: reason}, nil
}

func (g *Guard) rule(a actions.Action) (config.BlastRadius, bool) {
	for _, r := range g.rules {
		if (r.Action == "*" || r.Action == string(a.Kind)) && (r.Target == "*" || r.Target == a.Target) {
			return r, true
		}
	}
	return config.BlastRadius{}, false
}

// casTries bounds the compare-and-set loop under contention from replicas;
// each lost race waits a little longer (with jitter) before re-reading.
const casTries = 100

// admit counts a in the window of its target and kind and reports whether
// the window was already full. It costs four KV operations whatever the
// limit or the traffic: read a's marker, read and compare-and-set the
// window's counters, write the marker.
//
// The marker (one small key per admitted action, expiring with the window)
// keeps a redelivered action from being counted twice. It is written after
// the count, so a worker that dies in between makes the redelivery count
// the action again: the limit errs towards parking, never towards acting.
func (g *Guard) admit(ctx context.Context, a actions.Action, r config.BlastRadius) (bool, error) {
	marker := admittedKey(a.ID)
	switch _, err := g.limits.Get(ctx, marker); {
	case err == nil:
		return false, nil
	case !errors.Is(err, jetstream.ErrKeyNotFound):
		return false, classifyKV(fmt.Errorf("read %s: %w", marker, err))
	}
	over, err := g.count(ctx, windowKey(a.Target, string(a.Kind)), r)
	if err != nil || over {
		return over, err
	}
	_, err = g.limits.Create(ctx, marker, nil, jetstream.KeyTTL(r.Window+slotWidth(r.Window)+time.Second))
	if err != nil && !errors.Is(err, jetstream.ErrKeyExists) {
		return false, classifyKV(fmt.Errorf("record %s: %w", marker, err))
	}
	return false, nil
}

// count adds one to the window at key unless it is full, by compare-and-set.
func (g *Guard) count(ctx context.Context, key string, r config.BlastRadius) (bool, error) {
	for try := range casTries {
		var w counters
		var rev uint64
		e, err := g.limits.Get(ctx, key)
		switch {
		case errors.Is(err, jetstream.ErrKeyNotFound):
		case err != nil:
			return false, classifyKV(fmt.Errorf("read %s: %w", key, err))
		default:
			rev = e.Revision()
			if err := w.decode(e.Value()); err != nil {
				return false, actions.Permanent(fmt.Errorf("read %s: %w", key, err))
			}
		}
		now := g.now()
		w.align(r.Window, now)
		if w.total() >= r.Max {
			return true, nil
		}
		w.add(now)
		if rev == 0 {
			_, err = g.limits.Create(ctx, key, w.encode())
		} else {
			_, err = g.limits.Update(ctx, key, w.encode(), rev)
		}
		if errors.Is(err, jetstream.ErrKeyExists) || errors.Is(err, jetstream.ErrKeyRevisionMismatch) {
			if !clock.Sleep(ctx, time.Duration(rand.Int64N(int64(time.Millisecond)*int64(1+try%8)))) {
				return false, ctx.Err()
			}
			continue
		}
		if err != nil {
			return false, classifyKV(fmt.Errorf("write %s: %w", key, err))
		}
		return false, nil
	}
	return false, fmt.Errorf("blast-radius window %s changed %d times while counting", key, casTries)
}

// classifyKV marks the KV failures that no retry heals as permanent, so the
// action ends in the DLQ with the reason instead of being redelivered
// forever; anything else (timeouts, a leader election) is transient.
func classifyKV(err error) error {
	if errors.Is(err, jetstream.ErrBadRequest) || errors.Is(err, jetstream.ErrInvalidKey) || isMaxPayload(err) {
		return actions.Permanent(err)
	}
	return err
}

func windowKey(target, kind string) string { return "blast." + target + "." + kind }

func admittedKey(actionID string) string { return "admitted." + actionID }

// WindowState is one blast-radius window as operators see it.
type WindowState struct {
	Target   string        `json:"target"`
	Action   string        `json:"action"`
	Admitted int           `json:"admitted"`
	Window   time.Duration `json:"window"`
	Newest   time.Time     `json:"newest"`
}

// Windows lists the blast-radius windows kept in the limits bucket, with
// what each counts now.
func Windows(ctx context.Context, js jetstream.JetStream) ([]WindowState, error) {
	kv, err := js.KeyValue(ctx, events.BucketLimits)
	if err != nil {
		return nil, err
	}
	return windowsAt(ctx, kv, time.Now())
}

func windowsAt(ctx context.Context, kv jetstream.KeyValue, now time.Time) ([]WindowState, error) {
	lister, err := kv.ListKeysFiltered(ctx, "blast.>")
	if err != nil {
		return nil, err
	}
	var out []WindowState
	for key := range lister.Keys() {
		e, err := kv.Get(ctx, key)
		if err != nil {
			continue
		}
		var w counters
		if w.decode(e.Value()) != nil {
			continue
		}
		w.align(w.Window, now)
		if w.total() == 0 {
			continue
		}
		target, action := splitWindowKey(key)
		out = append(out, WindowState{Target: target, Action: action, Admitted: w.total(), Window: w.Window, Newest: w.Newest})
	}
	return out, nil
}
