package worker_test

import (
	"context"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/quell-dev/quell/internal/worker"
)

// stoppingConsumer hands out one batch of n messages, and stops the loop
// (the worker's context ends) while the batch is fetched: the messages are
// in the loop's hands but not started.
type stoppingConsumer struct {
	jetstream.Consumer
	stop    context.CancelFunc
	n       int
	fetches atomic.Int64
	msgs    []*handBackMsg
}

func (c *stoppingConsumer) Fetch(int, ...jetstream.FetchOpt) (jetstream.MessageBatch, error) {
	ch := make(chan jetstream.Msg, c.n)
	if c.fetches.Add(1) == 1 {
		for range c.n {
			m := &handBackMsg{}
			c.msgs = append(c.msgs, m)
			ch <- m
		}
		c.stop()
	}
	close(ch)
	return fetchedBatch{ch}, nil
}

type fetchedBatch struct{ ch chan jetstream.Msg }

func (b fetchedBatch) Messages() <-chan jetstream.Msg { return b.ch }
func (fetchedBatch) Error() error                     { return nil }

// handBackMsg records how it was settled; the loop may only nak it.
type handBackMsg struct {
	jetstream.Msg
	naks atomic.Int64
}

func (m *handBackMsg) Nak() error { m.naks.Add(1); return nil }

// Messages fetched but not yet started when the worker stops are naked at
// once, so that they need not wait out AckWait, and never started.
func TestStopNaksFetchedMessagesNotStarted(t *testing.T) {
	t.Parallel()
	stop, cancel := context.WithCancel(context.Background())
	defer cancel()
	cons := &stoppingConsumer{stop: cancel, n: 4}
	var handled atomic.Int64
	done := make(chan error, 1)
	go func() {
		done <- worker.RunLoop(stop, context.Background(), cons, 4, 30*time.Second, slog.New(slog.DiscardHandler),
			func(context.Context, jetstream.Msg) { handled.Add(1) })
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("loop did not stop")
	}
	if n := handled.Load(); n != 0 {
		t.Errorf("%d messages started after the worker stopped", n)
	}
	for i, m := range cons.msgs {
		if n := m.naks.Load(); n != 1 {
			t.Errorf("message %d naked %d times, want once", i, n)
		}
	}
}
