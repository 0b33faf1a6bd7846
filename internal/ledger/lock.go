package ledger

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/quell-dev/quell/internal/actions"
)

type lockEntry struct {
	Owner string    `json:"owner"`
	Until time.Time `json:"until"`
}

var _ actions.Locker = (*Ledger)(nil)

// TryLock implements [actions.Locker] with keys in the ledger bucket. An
// expired lock (its owner died) is taken over with compare-and-set.
func (l *Ledger) TryLock(ctx context.Context, key, owner string, ttl time.Duration) (func(context.Context) error, error) {
	val, err := json.Marshal(lockEntry{Owner: owner, Until: l.now().Add(ttl)})
	if err != nil {
		return nil, err
	}
	rev, err := l.kv.Create(ctx, key, val)
	if errors.Is(err, jetstream.ErrKeyExists) {
		rev, err = l.takeExpired(ctx, key, val)
	}
	if err != nil {
		return nil, err
	}
	return func(ctx context.Context) error {
		// Delete only our own revision: if the lock expired and was taken
		// over meanwhile, it is no longer ours to release.
		err := l.kv.Delete(ctx, key, jetstream.LastRevision(rev))
		if errors.Is(err, jetstream.ErrKeyRevisionMismatch) || errors.Is(err, jetstream.ErrKeyExists) {
			return nil
		}
		return err
	}, nil
}

func (l *Ledger) takeExpired(ctx context.Context, key string, val []byte) (uint64, error) {
	cur, err := l.kv.Get(ctx, key)
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return 0, fmt.Errorf("%w: lock %s changed hands", actions.ErrInFlight, key)
	}
	if err != nil {
		return 0, fmt.Errorf("lock %s: %w", key, err)
	}
	var e lockEntry
	if err := json.Unmarshal(cur.Value(), &e); err == nil && l.now().Before(e.Until) {
		return 0, &actions.InFlightError{What: "user lock " + key, Owner: e.Owner, Until: e.Until}
	}
	rev, err := l.kv.Update(ctx, key, val, cur.Revision())
	if errors.Is(err, jetstream.ErrKeyRevisionMismatch) {
		return 0, fmt.Errorf("%w: lock %s changed hands", actions.ErrInFlight, key)
	}
	return rev, err
}
