package safety

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/quell-dev/quell/internal/actions"
	"github.com/quell-dev/quell/internal/events"
)

// Parked is an action waiting for an operator.
type Parked struct {
	Action   actions.Action `json:"action"`
	Reason   string         `json:"reason"`
	ParkedAt time.Time      `json:"parked_at"`
	revision uint64
}

func (g *Guard) park(ctx context.Context, a actions.Action, reason string) error {
	b, _ := json.Marshal(Parked{Action: a, Reason: reason, ParkedAt: g.now().UTC()})
	_, err := g.parked.Create(ctx, a.ID, b)
	if errors.Is(err, jetstream.ErrKeyExists) {
		return nil // a redelivery of an action already parked
	}
	if err != nil {
		return fmt.Errorf("park %s: %w", a.ID, err)
	}
	return nil
}

// ErrNotParked means no parked action has that id (never parked, or
// already approved, rejected or expired).
var ErrNotParked = errors.New("no parked action with that id")

// Board gives operators the parked actions: list, approve, reject.
type Board struct {
	js     jetstream.JetStream
	parked jetstream.KeyValue
	pub    *events.Publisher
}

// OpenBoard binds to the parked bucket.
func OpenBoard(ctx context.Context, js jetstream.JetStream) (*Board, error) {
	kv, err := js.KeyValue(ctx, events.BucketParked)
	if err != nil {
		return nil, fmt.Errorf("open parked bucket: %w", err)
	}
	return &Board{js: js, parked: kv, pub: events.NewPublisher(js)}, nil
}

// List returns the parked actions, oldest first.
func (b *Board) List(ctx context.Context) ([]Parked, error) {
	lister, err := b.parked.ListKeys(ctx)
	if err != nil {
		return nil, err
	}
	var out []Parked
	for key := range lister.Keys() {
		p, err := b.get(ctx, key)
		if err == nil {
			out = append(out, p)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ParkedAt.Before(out[j].ParkedAt) })
	return out, nil
}

func (b *Board) get(ctx context.Context, id string) (Parked, error) {
	e, err := b.parked.Get(ctx, id)
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return Parked{}, fmt.Errorf("%w: %s", ErrNotParked, id)
	}
	if err != nil {
		return Parked{}, err
	}
	var p Parked
	if err := json.Unmarshal(e.Value(), &p); err != nil {
		return Parked{}, err
	}
	p.revision = e.Revision()
	return p, nil
}

// take removes the parked entry with compare-and-set, so that of two
// operators (or an operator and the timeout) only one decides.
func (b *Board) take(ctx context.Context, id string) (Parked, error) {
	p, err := b.get(ctx, id)
	if err != nil {
		return p, err
	}
	if err := b.parked.Delete(ctx, id, jetstream.LastRevision(p.revision)); err != nil {
		return p, fmt.Errorf("%w: %s was decided meanwhile", ErrNotParked, id)
	}
	return p, nil
}

// Approve releases a parked action to the executor, marked approved by who.
func (b *Board) Approve(ctx context.Context, id, who string) (actions.Action, error) {
	p, err := b.take(ctx, id)
	if err != nil {
		return actions.Action{}, err
	}
	a := p.Action
	a.ApprovedBy = who
	ev, err := events.NewActionRequested(events.SourceResponder, a)
	if err != nil {
		return a, err
	}
	// The action keeps its id (and its ledger entry); the request event
	// needs its own, or JetStream would drop it as the parked request again.
	ev.SetID(a.ID + "/approved")
	if _, err := b.pub.Publish(ctx, events.ActionSubject(a.Target, string(a.Kind)), ev); err != nil {
		// Put it back rather than lose it.
		_ = b.restore(ctx, p)
		return a, err
	}
	return a, nil
}

// Reject drops a parked action and records the rejection as its result.
func (b *Board) Reject(ctx context.Context, id, who, why string) (actions.Action, error) {
	p, err := b.take(ctx, id)
	if err != nil {
		return actions.Action{}, err
	}
	reason := fmt.Sprintf("rejected by %s", who)
	if why != "" {
		reason += ": " + why
	}
	now := time.Now().UTC()
	ev, err := events.NewResult(events.ActionResult{Action: p.Action, Status: actions.StatusSkipped, Reason: reason,
		Guard: actions.GuardRejected, StartedAt: now, FinishedAt: now})
	if err == nil {
		_, err = b.pub.Publish(ctx, events.ResultSubject(p.Action.Target, string(p.Action.Kind)), ev)
	}
	if err != nil {
		_ = b.restore(ctx, p)
	}
	return p.Action, err
}

// Expire rejects every action parked longer than timeout: deny by default.
func (b *Board) Expire(ctx context.Context, timeout time.Duration) (int, error) {
	list, err := b.List(ctx)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, p := range list {
		if time.Since(p.ParkedAt) < timeout {
			continue
		}
		if _, err := b.Reject(ctx, p.Action.ID, "quell", fmt.Sprintf("not approved within %s", timeout)); err == nil {
			n++
		}
	}
	return n, nil
}

func (b *Board) restore(ctx context.Context, p Parked) error {
	v, _ := json.Marshal(p)
	_, err := b.parked.Create(ctx, p.Action.ID, v)
	return err
}
