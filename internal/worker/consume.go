package worker

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/quell-dev/quell/internal/clock"
)

// Pull timing. JetStream answers a pull it cannot hold (its waiting list
// is full, the request was lost on the way) with silence, relying on the
// client to notice that idle heartbeats stopped: nats.go's defaults (30 s
// expiry, 15 s heartbeat) make that take 30 s. With these, a lost pull is
// replaced within pullExpiry.
//
// A pull is never cancelled, only left to expire: cancelling one makes
// nats.go drop its subscription, and whatever the server had already sent
// for it would wait out AckWait, neither started nor handed back. So on
// stop the loop waits out the current pull (at most pullExpiry) and naks
// what it brings.
const (
	pullExpiry    = time.Second
	pullHeartbeat = 400 * time.Millisecond
)

// handler processes one message and settles it (ack, nak or term).
type handler func(ctx context.Context, msg jetstream.Msg)

// loop feeds messages from cons to up to concurrency handlers until stop is
// done. In-flight handlers then get drain to finish; after that their
// context (work) is cancelled so they hand their messages back.
//
// It pulls only as many messages as it has idle handlers (one Fetch per
// round) rather than using a prefetching Messages iterator: the iterator
// shares one buffer of that size between messages and the server's
// heartbeats and status replies, and stops being read while all handlers
// are busy; what arrives when it is full is dropped, which both strands
// the dropped messages until AckWait and leaves the iterator believing a
// pull is still outstanding, so that it sends no more.
type loop struct {
	name        string
	cons        jetstream.Consumer
	concurrency int
	ackWait     time.Duration
	log         *slog.Logger
	handle      handler
}

func (l loop) run(stop context.Context, work context.Context) error {
	slots := make(chan struct{}, l.concurrency)
	var wg sync.WaitGroup
	defer wg.Wait()
	for {
		free := acquire(stop, slots)
		if free == 0 {
			return nil
		}
		started := l.pullRound(stop, work, free, slots, &wg)
		release(slots, free-started)
	}
}

// acquire waits for one idle handler slot and takes every other idle one;
// it returns 0 once stop is done.
func acquire(stop context.Context, slots chan struct{}) int {
	if stop.Err() != nil {
		return 0
	}
	select {
	case slots <- struct{}{}:
	case <-stop.Done():
		return 0
	}
	n := 1
	for {
		select {
		case slots <- struct{}{}:
			n++
		default:
			return n
		}
	}
}

func release(slots chan struct{}, n int) {
	for range n {
		<-slots
	}
}

// pullRound fetches up to free messages and starts a handler for each; it
// returns how many it started, each holding one slot until it is done.
func (l loop) pullRound(stop, work context.Context, free int, slots chan struct{}, wg *sync.WaitGroup) int {
	batch, err := l.cons.Fetch(free, jetstream.FetchMaxWait(pullExpiry), jetstream.FetchHeartbeat(pullHeartbeat))
	if err != nil {
		l.log.Warn("consumer fetch failed", "consumer", l.name, "error", err)
		clock.Sleep(stop, time.Second)
		return 0
	}
	started := 0
	for msg := range batch.Messages() {
		if stop.Err() != nil {
			// Fetched but not started: hand it back now rather than let it
			// wait out AckWait.
			_ = msg.Nak()
			continue
		}
		started++
		wg.Add(1)
		go func() {
			defer func() { <-slots; wg.Done() }()
			l.withHeartbeat(work, msg)
		}()
	}
	if l.fetchEnded(batch.Error()) && started == 0 {
		// The pull was refused at once (no responders while the
		// consumer's leader is elected after a node died): pulling again
		// at once would spin, thousands of pulls a second.
		clock.Sleep(stop, fetchRetryDelay)
	}
	return started
}

// fetchRetryDelay is the pause after a pull that failed outright.
const fetchRetryDelay = 250 * time.Millisecond

// fetchEnded logs how a fetch ended when that was not by design (the
// batch filled, the pull expired, or the worker stops), and reports
// whether it failed.
func (l loop) fetchEnded(err error) bool {
	switch {
	case err == nil, errors.Is(err, nats.ErrTimeout), errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled):
		return false
	case errors.Is(err, jetstream.ErrNoHeartbeat):
		l.log.Warn("pull request lost (no heartbeat from the server); pulling again", "consumer", l.name)
		return false
	default:
		l.log.Warn("consumer fetch failed", "consumer", l.name, "error", err)
		return true
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
