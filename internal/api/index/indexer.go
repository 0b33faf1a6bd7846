package index

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/quell-dev/quell/internal/actions"
	"github.com/quell-dev/quell/internal/clock"
	"github.com/quell-dev/quell/internal/events"
)

// ConsumerName is the durable consumer the indexer reads each stream with;
// every ingest replica shares it, so they split the work.
const ConsumerName = "quell-index"

// Tuning of the consumers.
const (
	batchSize = 256
	// pullExpiry bounds one pull, so a stop is noticed.
	pullExpiry = 5 * time.Second
	ackWait    = 30 * time.Second
	maxPending = 4096
	retryDelay = time.Second
)

// Indexer keeps the index up to date from the events, actions and results
// streams.
type Indexer struct {
	js  jetstream.JetStream
	kv  jetstream.KeyValue
	log *slog.Logger
}

// NewIndexer binds to the index bucket, which [events.EnsureStreams] creates.
func NewIndexer(ctx context.Context, js jetstream.JetStream, log *slog.Logger) (*Indexer, error) {
	kv, err := js.KeyValue(ctx, events.BucketIndex)
	if err != nil {
		return nil, fmt.Errorf("open index bucket: %w", err)
	}
	return &Indexer{js: js, kv: kv, log: log}, nil
}

// applyFunc indexes one stored message.
type applyFunc func(ctx context.Context, seq uint64, m jetstream.Msg) error

// Run indexes until ctx ends; then it stops pulling and hands back what it
// fetched but did not index (Nak), so another replica indexes it at once.
func (ix *Indexer) Run(ctx context.Context) error {
	streams := []struct {
		stream, filter string
		apply          applyFunc
	}{
		{events.StreamEvents, "quell.events.>", ix.applyEvent},
		{events.StreamActions, "quell.actions.>", ix.applyRequest},
		{events.StreamResults, "quell.results.>", ix.applyResult},
	}
	var wg sync.WaitGroup
	errs := make([]error, len(streams))
	for i, s := range streams {
		wg.Go(func() { errs[i] = ix.follow(ctx, s.stream, s.filter, s.apply) })
	}
	wg.Wait()
	return errors.Join(errs...)
}

// follow binds the stream's consumer (retrying while NATS or the stream is
// not there yet) and indexes its messages until ctx ends.
func (ix *Indexer) follow(ctx context.Context, stream, filter string, apply applyFunc) error {
	cfg := jetstream.ConsumerConfig{Durable: ConsumerName, Description: "Quell API index", FilterSubject: filter,
		AckPolicy: jetstream.AckExplicitPolicy, AckWait: ackWait, MaxAckPending: maxPending, DeliverPolicy: jetstream.DeliverAllPolicy}
	var cons jetstream.Consumer
	for cons == nil {
		c, err := ix.js.CreateOrUpdateConsumer(ctx, stream, cfg)
		if err == nil {
			cons = c
			break
		}
		if ctx.Err() != nil {
			return nil
		}
		ix.log.Warn("index consumer not bound yet", "stream", stream, "error", err)
		clock.Sleep(ctx, retryDelay)
	}
	for ctx.Err() == nil {
		ix.pull(ctx, stream, cons, apply)
	}
	return nil
}

func (ix *Indexer) pull(ctx context.Context, stream string, cons jetstream.Consumer, apply applyFunc) {
	fctx, cancel := context.WithTimeout(ctx, pullExpiry)
	defer cancel()
	batch, err := cons.Fetch(batchSize, jetstream.FetchContext(fctx))
	if err != nil {
		if ctx.Err() == nil {
			ix.log.Warn("index fetch failed", "stream", stream, "error", err)
			clock.Sleep(ctx, retryDelay)
		}
		return
	}
	n := 0
	for m := range batch.Messages() {
		n++
		ix.handle(ctx, stream, m, apply)
	}
	if n == 0 && batch.Error() != nil && !isExpiry(batch.Error()) {
		// Refused at once (no responders during a leader election):
		// pulling again at once would spin.
		clock.Sleep(ctx, retryDelay)
	}
}

func (ix *Indexer) handle(ctx context.Context, stream string, m jetstream.Msg, apply applyFunc) {
	if ctx.Err() != nil {
		_ = m.Nak() // fetched but not indexed: hand it back
		return
	}
	meta, err := m.Metadata()
	if err != nil {
		_ = m.Term()
		return
	}
	if err := apply(ctx, meta.Sequence.Stream, m); err != nil {
		var bad *undecodableError
		if errors.As(err, &bad) {
			// Not ours to fix and would fail forever: leave it unindexed.
			ix.log.Warn("message not indexed", "stream", stream, "seq", meta.Sequence.Stream, "error", err)
			_ = m.Term()
			return
		}
		ix.log.Warn("index write failed; will retry", "stream", stream, "seq", meta.Sequence.Stream, "error", err)
		_ = m.NakWithDelay(retryDelay)
		return
	}
	_ = m.Ack()
}

func isExpiry(err error) bool {
	return errors.Is(err, nats.ErrTimeout) || errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled)
}

type undecodableError struct{ err error }

func (e *undecodableError) Error() string { return "undecodable: " + e.err.Error() }

func (ix *Indexer) applyEvent(ctx context.Context, seq uint64, m jetstream.Msg) error {
	// The message id is "<source> <id>" (events.MsgID); the API is asked
	// by the CloudEvents id alone, so read it from the event.
	ev, err := events.Decode(m.Data())
	if err != nil {
		return &undecodableError{err}
	}
	_, err = ix.kv.Put(ctx, eventKey(ev.ID()), mustJSON(seqOnly{Seq: seq}))
	return err
}

func (ix *Indexer) applyRequest(ctx context.Context, seq uint64, m jetstream.Msg) error {
	a, err := decodeAs[actions.Action](m.Data())
	if err != nil {
		return err
	}
	if !ValidID(a.ID) {
		return &undecodableError{fmt.Errorf("action id %q", a.ID)}
	}
	if err := ix.putMax(ctx, requestKey(a.ID), seq, mustJSON(seqOnly{Seq: seq})); err != nil {
		return err
	}
	if a.Cause == "" {
		return nil
	}
	_, err = ix.kv.Put(ctx, causeKey(a.Cause, a.ID), nil)
	return err
}

func (ix *Indexer) applyResult(ctx context.Context, seq uint64, m jetstream.Msg) error {
	r, err := decodeAs[events.ActionResult](m.Data())
	if err != nil {
		return err
	}
	if !ValidID(r.Action.ID) {
		return &undecodableError{fmt.Errorf("action id %q", r.Action.ID)}
	}
	rec := Record{Seq: seq, Status: r.Status, Guard: r.Guard, FinishedAt: r.FinishedAt.UTC()}
	if err := ix.putMax(ctx, actionKey(r.Action.ID), seq, mustJSON(rec)); err != nil {
		return err
	}
	for _, u := range UserNames(r.Action.User) {
		if _, err := ix.kv.Put(ctx, userKey(u, r.FinishedAt, r.Action.ID, seq), nil); err != nil {
			return err
		}
	}
	return nil
}

func decodeAs[T any](data []byte) (T, error) {
	ev, err := events.Decode(data)
	if err != nil {
		var zero T
		return zero, &undecodableError{err}
	}
	v, err := events.DataAs[T](ev)
	if err != nil {
		return v, &undecodableError{err}
	}
	return v, nil
}

// casAttempts bounds putMax's compare-and-set loop.
const casAttempts = 8

// putMax writes val under key unless the entry already points at seq or a
// later message: results and requests of one action may be indexed out of
// order (two replicas, a redelivery), and the latest must win.
func (ix *Indexer) putMax(ctx context.Context, key string, seq uint64, val []byte) error {
	// Most keys are new (an action's first request, its first result):
	// create first, one round trip, and read only when the key exists.
	_, err := ix.kv.Create(ctx, key, val)
	if !errors.Is(err, jetstream.ErrKeyExists) {
		return err
	}
	for range casAttempts {
		e, err := ix.kv.Get(ctx, key)
		if errors.Is(err, jetstream.ErrKeyNotFound) {
			_, err = ix.kv.Create(ctx, key, val)
			if errors.Is(err, jetstream.ErrKeyExists) {
				continue
			}
			return err
		}
		if err != nil {
			return err
		}
		var cur seqOnly
		if json.Unmarshal(e.Value(), &cur) == nil && cur.Seq >= seq {
			return nil
		}
		_, err = ix.kv.Update(ctx, key, val, e.Revision())
		if errors.Is(err, jetstream.ErrKeyRevisionMismatch) {
			continue
		}
		return err
	}
	return fmt.Errorf("index %s: changed %d times while writing", key, casAttempts)
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // only our own plain structs are marshalled
	}
	return b
}
