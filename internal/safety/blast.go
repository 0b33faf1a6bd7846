package safety

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/quell-dev/quell/internal/actions"
	"github.com/quell-dev/quell/internal/config"
	"github.com/quell-dev/quell/internal/events"
)

// Guard is the whole safety check: protected accounts, then the
// blast-radius limit, parking what exceeds it. It implements actions.Safety.
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

// Check implements actions.Safety. Only automation is limited: a
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

// window is the action ids admitted within a rule's window, oldest first.
type window struct {
	Admitted []admitted `json:"admitted"`
}

type admitted struct {
	ID string    `json:"id"`
	At time.Time `json:"at"`
}

// casTries bounds the compare-and-set loop under contention from replicas.
const casTries = 50

// admit records a in the sliding window of its target and kind and reports
// whether the window was already full. An id already admitted (a
// redelivery) is admitted again without counting twice.
func (g *Guard) admit(ctx context.Context, a actions.Action, r config.BlastRadius) (bool, error) {
	key := "blast." + a.Target + "." + string(a.Kind)
	for range casTries {
		var w window
		var rev uint64
		e, err := g.limits.Get(ctx, key)
		switch {
		case errors.Is(err, jetstream.ErrKeyNotFound):
		case err != nil:
			return false, fmt.Errorf("read %s: %w", key, err)
		default:
			rev = e.Revision()
			if err := json.Unmarshal(e.Value(), &w); err != nil {
				return false, fmt.Errorf("read %s: %w", key, err)
			}
		}
		now := g.now()
		w.prune(now.Add(-r.Window))
		if w.has(a.ID) {
			return false, nil
		}
		if len(w.Admitted) >= r.Max {
			return true, nil
		}
		w.Admitted = append(w.Admitted, admitted{ID: a.ID, At: now})
		b, _ := json.Marshal(w)
		if rev == 0 {
			_, err = g.limits.Create(ctx, key, b)
		} else {
			_, err = g.limits.Update(ctx, key, b, rev)
		}
		if errors.Is(err, jetstream.ErrKeyExists) || errors.Is(err, jetstream.ErrKeyRevisionMismatch) {
			continue
		}
		return false, err
	}
	return false, fmt.Errorf("blast-radius window %s changed %d times while counting", key, casTries)
}

func (w *window) prune(before time.Time) {
	i := 0
	for i < len(w.Admitted) && w.Admitted[i].At.Before(before) {
		i++
	}
	w.Admitted = w.Admitted[i:]
}

func (w *window) has(id string) bool {
	for _, e := range w.Admitted {
		if e.ID == id {
			return true
		}
	}
	return false
}

// WindowState is one blast-radius window as operators see it.
type WindowState struct {
	Target   string    `json:"target"`
	Action   string    `json:"action"`
	Admitted int       `json:"admitted"`
	Newest   time.Time `json:"newest"`
}

// Windows lists the blast-radius windows kept in the limits bucket. The
// counts include entries older than their rule's window until the next
// action prunes them.
func Windows(ctx context.Context, js jetstream.JetStream) ([]WindowState, error) {
	kv, err := js.KeyValue(ctx, events.BucketLimits)
	if err != nil {
		return nil, err
	}
	lister, err := kv.ListKeys(ctx)
	if err != nil {
		return nil, err
	}
	var out []WindowState
	for key := range lister.Keys() {
		e, err := kv.Get(ctx, key)
		if err != nil {
			continue
		}
		var w window
		if json.Unmarshal(e.Value(), &w) != nil || len(w.Admitted) == 0 {
			continue
		}
		var target, action string
		if parts := strings.SplitN(strings.TrimPrefix(key, "blast."), ".", 2); len(parts) == 2 {
			target, action = parts[0], parts[1]
		}
		out = append(out, WindowState{Target: target, Action: action, Admitted: len(w.Admitted), Newest: w.Admitted[len(w.Admitted)-1].At})
	}
	return out, nil
}
