package index

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/quell-dev/quell/internal/events"
)

// Reader answers the API's lookups from the index.
type Reader struct {
	kv  jetstream.KeyValue
	now func() time.Time
}

// NewReader binds to the index bucket.
func NewReader(ctx context.Context, js jetstream.JetStream) (*Reader, error) {
	kv, err := js.KeyValue(ctx, events.BucketIndex)
	if err != nil {
		return nil, fmt.Errorf("open index bucket: %w", err)
	}
	return &Reader{kv: kv, now: time.Now}, nil
}

// Result returns the a.<id> record; ok is false when the action has no
// indexed result.
func (r *Reader) Result(ctx context.Context, id string) (Record, bool, error) {
	var rec Record
	ok, err := r.getJSON(ctx, actionKey(id), &rec)
	return rec, ok, err
}

// RequestSeq returns the actions stream sequence of id's latest request.
func (r *Reader) RequestSeq(ctx context.Context, id string) (uint64, bool, error) {
	var v seqOnly
	ok, err := r.getJSON(ctx, requestKey(id), &v)
	return v.Seq, ok, err
}

// EventSeq returns the events stream sequence of the event with that id.
func (r *Reader) EventSeq(ctx context.Context, id string) (uint64, bool, error) {
	var v seqOnly
	ok, err := r.getJSON(ctx, eventKey(id), &v)
	return v.Seq, ok, err
}

func (r *Reader) getJSON(ctx context.Context, key string, v any) (bool, error) {
	e, err := r.kv.Get(ctx, key)
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("index get %s: %w", key, err)
	}
	if err := json.Unmarshal(e.Value(), v); err != nil {
		return false, fmt.Errorf("index entry %s: %w", key, err)
	}
	return true, nil
}

// WaitFinal watches id's record until it is final or ctx ends, and returns
// the last record seen. The watch starts with the current value, so a
// result that landed before the call is seen at once.
func (r *Reader) WaitFinal(ctx context.Context, id string) (Record, bool, error) {
	w, err := r.kv.Watch(ctx, actionKey(id))
	if err != nil {
		return Record{}, false, fmt.Errorf("watch %s: %w", id, err)
	}
	defer func() { _ = w.Stop() }()
	var last Record
	found := false
	for {
		select {
		case <-ctx.Done():
			return last, found, nil
		case e, open := <-w.Updates():
			if !open {
				return last, found, nil
			}
			if e == nil || e.Operation() != jetstream.KeyValuePut {
				continue // the end of the initial values, or a delete
			}
			var rec Record
			if json.Unmarshal(e.Value(), &rec) != nil {
				continue
			}
			last, found = rec, true
			if rec.Final() {
				return rec, true, nil
			}
		}
	}
}

// ByUser returns the results of actions on user finished in [since,
// until), oldest first. A user has few results, so listing their keys is
// cheap however large the index grows.
func (r *Reader) ByUser(ctx context.Context, user string, since, until time.Time) ([]UserHit, error) {
	keys, err := r.keys(ctx, userPrefix(user)+".>")
	if err != nil {
		return nil, err
	}
	var out []UserHit
	for _, k := range keys {
		h, ok := parseUserKey(k)
		if ok && !h.Finished.Before(since) && (until.IsZero() || h.Finished.Before(until)) {
			out = append(out, h)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Seq < out[j].Seq })
	return out, nil
}

// CausedBy returns the ids of the actions planned from event eventID.
func (r *Reader) CausedBy(ctx context.Context, eventID string) ([]string, error) {
	prefix := causePrefix(eventID) + "."
	keys, err := r.keys(ctx, prefix+">")
	if err != nil {
		return nil, err
	}
	out := make([]string, 0, len(keys))
	for _, k := range keys {
		out = append(out, strings.TrimPrefix(k, prefix))
	}
	sort.Strings(out)
	return out, nil
}

func (r *Reader) keys(ctx context.Context, filter string) ([]string, error) {
	l, err := r.kv.ListKeysFiltered(ctx, filter)
	if errors.Is(err, jetstream.ErrNoKeysFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("index keys %s: %w", filter, err)
	}
	defer func() { _ = l.Stop() }()
	var out []string
	for k := range l.Keys() {
		out = append(out, k)
	}
	return out, nil
}

// Record appends a decision taken through the API to action id's list
// (compare-and-set: two approvers at once both get recorded).
func (r *Reader) Record(ctx context.Context, actionID string, d Decision) error {
	if d.At.IsZero() {
		d.At = r.now().UTC()
	}
	key := decisionKey(actionID)
	for range casAttempts {
		list, rev, err := r.decisions(ctx, key)
		if err != nil {
			return err
		}
		val := mustJSON(append(list, d))
		if rev == 0 {
			_, err = r.kv.Create(ctx, key, val)
		} else {
			_, err = r.kv.Update(ctx, key, val, rev)
		}
		if errors.Is(err, jetstream.ErrKeyExists) || errors.Is(err, jetstream.ErrKeyRevisionMismatch) {
			continue
		}
		if err != nil {
			return fmt.Errorf("record %s of %s: %w", d.Op, actionID, err)
		}
		return nil
	}
	return fmt.Errorf("record %s of %s: changed %d times while writing", d.Op, actionID, casAttempts)
}

// Decisions returns the decisions recorded on action id, oldest first.
func (r *Reader) Decisions(ctx context.Context, actionID string) ([]Decision, error) {
	list, _, err := r.decisions(ctx, decisionKey(actionID))
	return list, err
}

func (r *Reader) decisions(ctx context.Context, key string) ([]Decision, uint64, error) {
	e, err := r.kv.Get(ctx, key)
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return nil, 0, nil
	}
	if err != nil {
		return nil, 0, fmt.Errorf("index get %s: %w", key, err)
	}
	var list []Decision
	if err := json.Unmarshal(e.Value(), &list); err != nil {
		return nil, 0, fmt.Errorf("index entry %s: %w", key, err)
	}
	return list, e.Revision(), nil
}
