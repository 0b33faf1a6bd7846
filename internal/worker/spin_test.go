package worker_test

import (
	"context"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/quell-dev/quell/internal/worker"
)

// refusingConsumer answers every pull at once with an error, as JetStream
// does (no responders) while a consumer's leader is elected after its node
// died.
type refusingConsumer struct {
	jetstream.Consumer
	pulls atomic.Int64
}

func (c *refusingConsumer) Fetch(int, ...jetstream.FetchOpt) (jetstream.MessageBatch, error) {
	c.pulls.Add(1)
	return refusedBatch{}, nil
}

type refusedBatch struct{}

func (refusedBatch) Messages() <-chan jetstream.Msg {
	ch := make(chan jetstream.Msg)
	close(ch)
	return ch
}

func (refusedBatch) Error() error { return nats.ErrNoResponders }

// The chaos suite saw a worker pull 1,700 times a second for the six
// seconds a consumer had no leader. The loop must pause after a pull that
// failed outright. (A count over a second, with a bound two orders of
// magnitude from both the fixed and the broken loop.)
func TestRefusedPullsDoNotSpin(t *testing.T) {
	t.Parallel()
	cons := &refusingConsumer{}
	stop, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	_ = worker.RunLoop(stop, stop, cons, 4, 30*time.Second, slog.New(slog.DiscardHandler), func(context.Context, jetstream.Msg) {})
	if n := cons.pulls.Load(); n > 100 {
		t.Fatalf("%d pulls in one second while every pull was refused", n)
	}
}
