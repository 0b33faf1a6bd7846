package dlq

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/quell-dev/quell/internal/events"
)

// ErrNotFound means no DLQ entry has that sequence (never, or replayed).
var ErrNotFound = errors.New("no DLQ entry with that sequence")

// Filter selects entries; the zero value selects all.
type Filter struct {
	Stage string
	Since time.Time
}

func (f Filter) match(e Entry) bool {
	return (f.Stage == "" || e.Stage == f.Stage) && (f.Since.IsZero() || !e.Time.Before(f.Since))
}

// List returns the entries matching f, oldest first.
func List(ctx context.Context, js jetstream.JetStream, f Filter) ([]Entry, error) {
	s, err := js.Stream(ctx, events.StreamDLQ)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", events.StreamDLQ, err)
	}
	info, err := s.Info(ctx)
	if err != nil {
		return nil, err
	}
	var out []Entry
	if info.State.Msgs == 0 {
		return out, nil
	}
	for seq := info.State.FirstSeq; seq <= info.State.LastSeq; seq++ {
		m, err := s.GetMsg(ctx, seq)
		if errors.Is(err, jetstream.ErrMsgNotFound) {
			continue // replayed (deleted) or expired
		}
		if err != nil {
			return nil, err
		}
		if e := entryOf(m); f.match(e) {
			out = append(out, e)
		}
	}
	return out, nil
}

// Get returns the entry at seq.
func Get(ctx context.Context, js jetstream.JetStream, seq uint64) (Entry, error) {
	s, err := js.Stream(ctx, events.StreamDLQ)
	if err != nil {
		return Entry{}, fmt.Errorf("open %s: %w", events.StreamDLQ, err)
	}
	m, err := s.GetMsg(ctx, seq)
	if errors.Is(err, jetstream.ErrMsgNotFound) {
		return Entry{}, fmt.Errorf("%w: %d (see quellctl dlq list)", ErrNotFound, seq)
	}
	if err != nil {
		return Entry{}, err
	}
	return entryOf(m), nil
}
