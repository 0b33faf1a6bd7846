// Package ledger implements [actions.Ledger] on a JetStream KV bucket: one key
// per action id, written with compare-and-set before any target call, so an
// action's effect happens at most once even with several worker replicas.
//
// An entry is "running" (leased by one worker until lease_until), "released"
// (an attempt failed; any worker may take it) or "done" (final, never run
// again). A running entry whose lease expired belonged to a worker that died:
// the next worker takes it over and marks the lease Interrupted, so the
// target's read-before-write check decides whether the effect already
// happened.
package ledger

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/quell-dev/quell/internal/actions"
)

// [Entry] states.
const (
	StateRunning  = "running"
	StateReleased = "released"
	StateDone     = "done"
)

// Entry is the JSON value stored under an action id.
type Entry struct {
	State      string    `json:"state"`
	Owner      string    `json:"owner,omitempty"`
	LeaseUntil time.Time `json:"lease_until,omitempty"`
	Attempts   int       `json:"attempts"`
	Failures   int       `json:"failures"`
	LastError  string    `json:"last_error,omitempty"`
	// Interrupted stays true once an attempt lost its lease without
	// releasing it; Unanswered lists writes sent without an answer. Both
	// say a later attempt that finds the effect in place most likely
	// finds Quell's own.
	Interrupted bool            `json:"interrupted,omitempty"`
	Unanswered  []actions.Call  `json:"unanswered,omitempty"`
	Action      actions.Action  `json:"action"`
	Result      *actions.Record `json:"result,omitempty"`
	UpdatedAt   time.Time       `json:"updated_at"`
}

// Ledger is the KV-backed ledger.
type Ledger struct {
	kv  jetstream.KeyValue
	now func() time.Time
	// held remembers the entry this process wrote for each lease it holds
	// (action id -> heldEntry), so that Finish and Release can write at the
	// lease's revision without reading the entry back first. A revision
	// mismatch falls back to reading it: the bucket stays the only truth.
	held sync.Map
}

type heldEntry struct {
	rev   uint64
	entry Entry
}

// Open binds to the ledger bucket, which
// [github.com/quell-dev/quell/internal/events.EnsureStreams] creates.
func Open(ctx context.Context, js jetstream.JetStream, bucket string) (*Ledger, error) {
	kv, err := js.KeyValue(ctx, bucket)
	if err != nil {
		return nil, fmt.Errorf("open ledger bucket %s: %w", bucket, err)
	}
	return &Ledger{kv: kv, now: time.Now}, nil
}

var _ actions.Ledger = (*Ledger)(nil)

// casAttempts bounds the compare-and-set loop; losing more races than this
// means another worker is actively working the same id.
const casAttempts = 4

// Acquire implements [actions.Ledger]. Most actions are new, so it first
// tries to create the entry (one round trip), and reads only when one exists.
func (l *Ledger) Acquire(ctx context.Context, a actions.Action, owner string, lease time.Duration) (actions.Lease, error) {
	now := l.now()
	next := Entry{State: StateRunning, Owner: owner, LeaseUntil: now.Add(lease), Action: a, UpdatedAt: now}
	newRev, err := l.kv.Create(ctx, a.ID, mustJSON(next))
	switch {
	case err == nil:
		l.held.Store(a.ID, heldEntry{rev: newRev, entry: next})
		return actions.Lease{ActionID: a.ID, Revision: newRev}, nil
	case !errors.Is(err, jetstream.ErrKeyExists):
		return actions.Lease{}, fmt.Errorf("ledger create %s: %w", a.ID, err)
	}
	return l.acquireExisting(ctx, a, owner, lease)
}

func (l *Ledger) acquireExisting(ctx context.Context, a actions.Action, owner string, lease time.Duration) (actions.Lease, error) {
	for range casAttempts {
		cur, rev, err := l.get(ctx, a.ID)
		if err != nil {
			return actions.Lease{}, err
		}
		now := l.now()
		next := Entry{State: StateRunning, Owner: owner, LeaseUntil: now.Add(lease), Action: a, UpdatedAt: now}
		if cur == nil {
			newRev, err := l.kv.Create(ctx, a.ID, mustJSON(next))
			if errors.Is(err, jetstream.ErrKeyExists) {
				continue
			}
			if err != nil {
				return actions.Lease{}, fmt.Errorf("ledger create %s: %w", a.ID, err)
			}
			l.held.Store(a.ID, heldEntry{rev: newRev, entry: next})
			return actions.Lease{ActionID: a.ID, Revision: newRev}, nil
		}
		switch {
		case cur.State == StateDone:
			return actions.Lease{ActionID: a.ID, Revision: rev, Attempts: cur.Attempts, Done: cur.Result}, actions.ErrAlreadyDone
		case cur.State == StateRunning && cur.Owner != owner && now.Before(cur.LeaseUntil):
			return actions.Lease{}, &actions.InFlightError{What: "action " + a.ID, Owner: cur.Owner, Until: cur.LeaseUntil}
		}
		next.Attempts, next.Failures, next.LastError = cur.Attempts, cur.Failures, cur.LastError
		next.Interrupted = cur.Interrupted || cur.State == StateRunning
		next.Unanswered = cur.Unanswered
		newRev, err := l.kv.Update(ctx, a.ID, mustJSON(next), rev)
		if errors.Is(err, jetstream.ErrKeyRevisionMismatch) {
			continue // lost the race: re-read
		}
		if err != nil {
			return actions.Lease{}, fmt.Errorf("ledger update %s: %w", a.ID, err)
		}
		l.held.Store(a.ID, heldEntry{rev: newRev, entry: next})
		return actions.Lease{ActionID: a.ID, Revision: newRev, Attempts: cur.Attempts, Failures: cur.Failures,
			Interrupted: next.Interrupted, Unanswered: cur.Unanswered}, nil
	}
	return actions.Lease{}, fmt.Errorf("%w: %s changed %d times while acquiring", actions.ErrInFlight, a.ID, casAttempts)
}

// Finish implements [actions.Ledger].
func (l *Ledger) Finish(ctx context.Context, lease actions.Lease, r actions.Record) error {
	return l.write(ctx, lease, func(e *Entry) {
		e.State, e.Result, e.Attempts, e.Owner, e.LeaseUntil = StateDone, &r, r.Attempts, "", time.Time{}
		e.Unanswered = lease.Unanswered
	})
}

// Release implements [actions.Ledger].
func (l *Ledger) Release(ctx context.Context, lease actions.Lease, calls, failures int, lastErr string) error {
	return l.write(ctx, lease, func(e *Entry) {
		e.State, e.Attempts, e.Failures, e.LastError = StateReleased, calls, failures, lastErr
		e.Unanswered = lease.Unanswered
		e.Owner, e.LeaseUntil = "", time.Time{}
	})
}

// write applies change to the entry at the lease's revision. If another
// worker took the entry over meanwhile, a done entry is left alone and
// ErrAlreadyDone returned, so the caller does not publish an outcome of its
// own next to the one recorded (a worker paused past its lease found the
// state already changed by its successor and reported "skipped" beside
// the successor's "completed": two final results); any other state is
// overwritten: this worker's outcome is the newer fact.
func (l *Ledger) write(ctx context.Context, lease actions.Lease, change func(*Entry)) error {
	if done, err := l.writeHeld(ctx, lease, change); done {
		return err
	}
	for range casAttempts {
		cur, rev, err := l.get(ctx, lease.ActionID)
		if err != nil {
			return err
		}
		if cur == nil {
			return fmt.Errorf("ledger %s: entry vanished", lease.ActionID)
		}
		if cur.State == StateDone && rev != lease.Revision {
			return fmt.Errorf("ledger %s: finished by %w meanwhile", lease.ActionID, actions.ErrAlreadyDone)
		}
		change(cur)
		cur.UpdatedAt = l.now()
		_, err = l.kv.Update(ctx, lease.ActionID, mustJSON(*cur), rev)
		if errors.Is(err, jetstream.ErrKeyRevisionMismatch) {
			continue
		}
		if err != nil {
			return fmt.Errorf("ledger write %s: %w", lease.ActionID, err)
		}
		return nil
	}
	return fmt.Errorf("ledger write %s: changed %d times while writing", lease.ActionID, casAttempts)
}

// writeHeld writes change at the lease's revision from the entry this
// process wrote there, saving the read. It reports done false when it has
// no such entry or the revision moved on: then write reads and decides.
func (l *Ledger) writeHeld(ctx context.Context, lease actions.Lease, change func(*Entry)) (bool, error) {
	v, ok := l.held.LoadAndDelete(lease.ActionID)
	if !ok || v.(heldEntry).rev != lease.Revision {
		return false, nil
	}
	e := v.(heldEntry).entry
	change(&e)
	e.UpdatedAt = l.now()
	_, err := l.kv.Update(ctx, lease.ActionID, mustJSON(e), lease.Revision)
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, jetstream.ErrKeyRevisionMismatch):
		return false, nil
	default:
		return true, fmt.Errorf("ledger write %s: %w", lease.ActionID, err)
	}
}

// Get returns the entry for id, or nil when there is none.
func (l *Ledger) Get(ctx context.Context, id string) (*Entry, error) {
	e, _, err := l.get(ctx, id)
	return e, err
}

func (l *Ledger) get(ctx context.Context, id string) (*Entry, uint64, error) {
	kve, err := l.kv.Get(ctx, id)
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return nil, 0, nil
	}
	if err != nil {
		return nil, 0, fmt.Errorf("ledger get %s: %w", id, err)
	}
	var e Entry
	if err := json.Unmarshal(kve.Value(), &e); err != nil {
		return nil, 0, fmt.Errorf("ledger entry %s: %w", id, err)
	}
	return &e, kve.Revision(), nil
}

func mustJSON(e Entry) []byte {
	b, err := json.Marshal(e)
	if err != nil {
		panic(fmt.Sprintf("ledger entry is always encodable: %v", err))
	}
	return b
}
