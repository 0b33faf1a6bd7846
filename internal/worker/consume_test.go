package worker_test

import (
	"context"
	"fmt"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/quell-dev/quell/internal/events"
	"github.com/quell-dev/quell/internal/quelltest"
	"github.com/quell-dev/quell/internal/worker"
)

// consumer makes a durable pull consumer on QUELL_EVENTS for one test.
func consumer(t *testing.T, js jetstream.JetStream, name string, edit func(*jetstream.ConsumerConfig)) jetstream.Consumer {
	t.Helper()
	cfg := events.PlannerConsumer(events.ConsumerOptions{AckWait: 30 * time.Second, MaxDeliver: 50, MaxAckPending: 8})
	cfg.Durable, cfg.FilterSubject = name, "quell.events."+name+".>"
	if edit != nil {
		edit(&cfg)
	}
	c, err := js.CreateOrUpdateConsumer(context.Background(), events.StreamEvents, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func publish(t *testing.T, js jetstream.JetStream, name string, n int) {
	t.Helper()
	for i := range n {
		if _, err := js.Publish(context.Background(), fmt.Sprintf("quell.events.%s.%d", name, i), []byte("x")); err != nil {
			t.Fatal(err)
		}
	}
}

// runLoop runs the consume loop until the test ends.
func runLoop(t *testing.T, cons jetstream.Consumer, concurrency int, h func(context.Context, jetstream.Msg)) {
	t.Helper()
	stop, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- worker.RunLoop(stop, stop, cons, concurrency, 30*time.Second, slog.Default(), h) }()
	t.Cleanup(func() { cancel(); <-done })
}

// The planner's 24 s stall: JetStream silently drops a pull request it
// cannot hold (here: the consumer's waiting list, of one, is taken by
// another client's pull), counting on the client to notice the missing
// heartbeats. With nats.go's defaults that took 30 s; the loop must pull
// again within seconds.
func TestLostPullRequestIsReplacedWithinSeconds(t *testing.T) {
	t.Parallel()
	n := quelltest.StartNATS(t)
	cons := consumer(t, n.JS, "lostpull", func(c *jetstream.ConsumerConfig) { c.MaxWaiting = 1 })
	squatter := squat(t, n.Conn, "lostpull", 2*time.Second)
	var handled atomic.Int64
	runLoop(t, cons, 2, func(ctx context.Context, m jetstream.Msg) {
		_ = m.DoubleAck(ctx)
		handled.Add(1)
	})
	// The loop's pull arrived while the waiting list was full and was
	// dropped without an answer. Once the other pull expires, the loop
	// is the only consumer client left.
	if _, err := squatter.NextMsg(10 * time.Second); err != nil {
		t.Fatalf("the other pull did not expire: %v", err)
	}
	const msgs = 20
	publish(t, n.JS, "lostpull", msgs)
	quelltest.Eventually(t, 10*time.Second, "the backlog handled after a lost pull", func() bool { return handled.Load() == msgs })
}

// squat holds the consumer's waiting list with a pull of its own that
// expires after d; the returned subscription receives its expiry notice.
func squat(t *testing.T, nc *nats.Conn, name string, d time.Duration) *nats.Subscription {
	t.Helper()
	inbox := nats.NewInbox()
	sub, err := nc.SubscribeSync(inbox)
	if err != nil {
		t.Fatal(err)
	}
	req := fmt.Sprintf(`{"batch":1,"expires":%d}`, d.Nanoseconds())
	if err := nc.PublishRequest("$JS.API.CONSUMER.MSG.NEXT."+events.StreamEvents+"."+name, inbox, []byte(req)); err != nil {
		t.Fatal(err)
	}
	if err := nc.Flush(); err != nil {
		t.Fatal(err)
	}
	return sub
}

// On shutdown nothing the loop took from JetStream waits out AckWait:
// messages in handlers are handed back by them, and messages fetched but
// not started are naked, so another worker gets everything at once.
func TestStopHandsBackEverythingNotDone(t *testing.T) {
	t.Parallel()
	n := quelltest.StartNATS(t)
	cons := consumer(t, n.JS, "stop", nil)
	const msgs, concurrency = 8, 2
	publish(t, n.JS, "stop", msgs)
	var started atomic.Int64
	stop, stopNow := context.WithCancel(context.Background())
	work, cancelWork := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- worker.RunLoop(stop, work, cons, concurrency, 30*time.Second, slog.Default(), func(ctx context.Context, m jetstream.Msg) {
			started.Add(1)
			<-ctx.Done()
			_ = m.Nak()
		})
	}()
	quelltest.Eventually(t, 10*time.Second, "handlers busy", func() bool { return started.Load() == concurrency })
	time.Sleep(300 * time.Millisecond) // room for any read-ahead to arrive
	stopNow()
	cancelWork()
	select {
	case <-done:
	case <-time.After(15 * time.Second):
		t.Fatal("loop did not stop")
	}
	batch, err := cons.Fetch(msgs, jetstream.FetchMaxWait(3*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	got := 0
	for m := range batch.Messages() {
		got++
		_ = m.Ack()
	}
	if got != msgs {
		t.Fatalf("after shutdown %d of %d messages are available at once; the rest wait out AckWait", got, msgs)
	}
}

// A backlog much larger than the concurrency, with some messages handed
// back for later, is worked through without the loop going quiet.
func TestBacklogIsWorkedThrough(t *testing.T) {
	t.Parallel()
	n := quelltest.StartNATS(t)
	cons := consumer(t, n.JS, "backlog", nil)
	const msgs = 1500
	for i := range msgs {
		if _, err := n.JS.PublishAsync(fmt.Sprintf("quell.events.backlog.%d", i), []byte("x")); err != nil {
			t.Fatal(err)
		}
	}
	<-n.JS.PublishAsyncComplete()
	var acked atomic.Int64
	runLoop(t, cons, 2, func(ctx context.Context, m jetstream.Msg) {
		if md, _ := m.Metadata(); md != nil && md.NumDelivered == 1 && md.Sequence.Stream%50 == 0 {
			_ = m.NakWithDelay(200 * time.Millisecond)
			return
		}
		_ = m.DoubleAck(ctx)
		acked.Add(1)
	})
	quelltest.Eventually(t, 60*time.Second, "the backlog worked through", func() bool { return acked.Load() == msgs })
}
