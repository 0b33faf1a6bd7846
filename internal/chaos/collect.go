package chaos

import (
	"context"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/quell-dev/quell/internal/actions"
	"github.com/quell-dev/quell/internal/dlq"
	"github.com/quell-dev/quell/internal/events"
	"github.com/quell-dev/quell/internal/pam/simkit"
)

// Observed is everything the checker reads: what was sent, what Quell
// stored and reported, and what the targets saw.
type Observed struct {
	Items     []*Item
	Scenarios []string
	// Events are the Nats-Msg-Ids of the stored events.
	Events map[string]bool
	// Actions are the planned (requested) actions by id.
	Actions map[string]actions.Action
	// Results are every result event, by action id.
	Results map[string][]events.ActionResult
	DLQ     []dlq.Entry
	// Effects are each simulator's effect log, by target name.
	Effects   map[string][]simkit.Effect
	Protected map[string]bool
	Faults    []*Fault
	// Fenced counts writes the lease fence stopped (from the worker logs).
	Fenced int
}

// collect reads the streams and effect logs.
func collect(ctx context.Context, e *Env) (*Observed, error) {
	obs := &Observed{Events: map[string]bool{}, Actions: map[string]actions.Action{},
		Results: map[string][]events.ActionResult{}, Effects: map[string][]simkit.Effect{}, Protected: map[string]bool{}}
	for _, n := range e.Opts.protectedNames() {
		obs.Protected[n] = true
	}
	err := eachMsg(ctx, e.JS, events.StreamEvents, func(m jetstream.Msg) error {
		obs.Events[m.Headers().Get(jetstream.MsgIDHeader)] = true
		return nil
	})
	if err != nil {
		return nil, err
	}
	err = eachMsg(ctx, e.JS, events.StreamActions, func(m jetstream.Msg) error {
		a, err := decode[actions.Action](m.Data())
		if err == nil {
			obs.Actions[a.ID] = a
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	err = eachMsg(ctx, e.JS, events.StreamResults, func(m jetstream.Msg) error {
		r, err := decode[events.ActionResult](m.Data())
		if err == nil {
			obs.Results[r.Action.ID] = append(obs.Results[r.Action.ID], r)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if obs.DLQ, err = dlq.List(ctx, e.JS, dlq.Filter{}); err != nil {
		return nil, err
	}
	for name, s := range e.Sims {
		if obs.Effects[name], err = s.Effects(ctx, 0); err != nil {
			return nil, err
		}
	}
	return obs, nil
}

func decode[T any](data []byte) (T, error) {
	var zero T
	ev, err := events.Decode(data)
	if err != nil {
		return zero, err
	}
	return events.DataAs[T](ev)
}

// eachMsg reads every message of stream, in order, with an ordered
// consumer.
func eachMsg(ctx context.Context, js jetstream.JetStream, stream string, f func(jetstream.Msg) error) error {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	s, err := js.Stream(ctx, stream)
	if err != nil {
		return fmt.Errorf("%s: %w", stream, err)
	}
	info, err := s.Info(ctx)
	if err != nil {
		return fmt.Errorf("%s info: %w", stream, err)
	}
	if info.State.Msgs == 0 {
		return nil
	}
	cons, err := s.OrderedConsumer(ctx, jetstream.OrderedConsumerConfig{})
	if err != nil {
		return fmt.Errorf("%s consumer: %w", stream, err)
	}
	failures := 0
	for {
		batch, err := cons.Fetch(500, jetstream.FetchMaxWait(5*time.Second))
		if err != nil {
			return fmt.Errorf("%s fetch: %w", stream, err)
		}
		n := 0
		for m := range batch.Messages() {
			n++
			if err := f(m); err != nil {
				return err
			}
			if md, err := m.Metadata(); err == nil && md.Sequence.Stream >= info.State.LastSeq {
				return nil
			}
		}
		if n > 0 {
			failures = 0
			continue
		}
		// A pull refused while the consumer's leader is elected (no
		// responders) is retried; the ordered consumer resumes in order.
		if failures++; failures > 20 {
			return fmt.Errorf("%s: stopped before sequence %d: %v", stream, info.State.LastSeq, batch.Error())
		}
		time.Sleep(500 * time.Millisecond)
	}
}
