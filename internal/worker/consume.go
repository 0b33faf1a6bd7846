package worker

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// handler processes one message and settles it (ack, nak or term).
type handler func(ctx context.Context, msg jetstream.Msg)

// loop feeds messages from cons to up to concurrency handlers until stop is
// done. In-flight handlers then get drain to finish; after that their
// context (work) is cancelled so they hand their messages back.
type loop struct {
	name        string
	cons        jetstream.Consumer
	concurrency int
	ackWait     time.Duration
	log         *slog.Logger
	handle      handler
}

func (l loop) run(stop context.Context, work context.Context) error {
	it, err := l.cons.Messages(jetstream.PullMaxMessages(l.concurrency))
	if err != nil {
		return err
	}
	go func() {
		<-stop.Done()
		it.Stop()
	}()
	sem := make(chan struct{}, l.concurrency)
	var wg sync.WaitGroup
	defer wg.Wait()
	for {
		msg, err := it.Next()
		if errors.Is(err, jetstream.ErrMsgIteratorClosed) {
			return nil
		}
		if err != nil {
			l.log.Warn("consumer fetch failed", "consumer", l.name, "error", err)
			if !sleepCtx(stop, time.Second) {
				return nil
			}
			continue
		}
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			l.withHeartbeat(work, msg)
		}()
	}
}

// withHeartbeat keeps msg alive while the handler works, so a slow target
// does not make JetStream redeliver a message that is still in hand.
func (l loop) withHeartbeat(ctx context.Context, msg jetstream.Msg) {
	done := make(chan struct{})
	defer close(done)
	go func() {
		t := time.NewTicker(l.ackWait / 3)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				_ = msg.InProgress()
			}
		}
	}()
	l.handle(ctx, msg)
}

func sleepCtx(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
