package worker_test

import (
	"context"
	"io"
	"log/slog"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/quell-dev/quell/internal/events"
	"github.com/quell-dev/quell/internal/quelltest"
	"github.com/quell-dev/quell/internal/worker"
)

// Messages the server had already sent to the loop's pull when the loop
// was stopped must be handed back at once too. A link that delays what the
// server sends by 300ms makes the window certain: the messages are on the
// wire when the loop stops.
func TestStopHandsBackMessagesOnTheWire(t *testing.T) {
	t.Parallel()
	n := quelltest.StartNATS(t)
	const name, msgs = "onthewire", 3
	cons := consumer(t, n.JS, name, nil) // AckWait 30s
	nc, err := nats.Connect("nats://" + slowLink(t, strings.TrimPrefix(n.Server.ClientURL(), "nats://"), 300*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	slow, err := js.Consumer(t.Context(), events.StreamEvents, name)
	if err != nil {
		t.Fatal(err)
	}

	stop, stopNow := context.WithCancel(context.Background())
	defer stopNow()
	var started atomic.Int64
	done := make(chan error, 1)
	go func() {
		done <- worker.RunLoop(stop, stop, slow, 4, 30*time.Second, slog.New(slog.DiscardHandler), func(ctx context.Context, m jetstream.Msg) {
			started.Add(1)
			_ = m.DoubleAck(ctx)
		})
	}()
	quelltest.Eventually(t, 10*time.Second, "the loop's pull waiting at the server", func() bool {
		info, err := cons.Info(t.Context())
		return err == nil && info.NumWaiting > 0
	})
	publish(t, n.JS, name, msgs) // sent at once to the waiting pull
	time.Sleep(50 * time.Millisecond)
	stopNow()
	select {
	case <-done:
	case <-time.After(15 * time.Second):
		t.Fatal("loop did not stop")
	}

	rest := msgs - int(started.Load())
	batch, err := cons.Fetch(msgs, jetstream.FetchMaxWait(3*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	got := 0
	for m := range batch.Messages() {
		got++
		_ = m.Ack()
	}
	if got != rest {
		info, _ := cons.Info(context.Background())
		t.Fatalf("after stop %d of the %d messages the loop did not finish are available at once (ack pending %d); the rest wait out AckWait",
			got, rest, info.NumAckPending)
	}
}

// slowLink forwards TCP connections to addr, delaying everything the server
// sends by delay; it returns its address.
func slowLink(t *testing.T, addr string, delay time.Duration) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var conns []net.Conn
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	go func() {
		for {
			client, err := ln.Accept()
			if err != nil {
				return
			}
			server, err := net.Dial("tcp", addr)
			if err != nil {
				client.Close()
				continue
			}
			mu.Lock()
			conns = append(conns, client, server)
			mu.Unlock()
			go func() { _, _ = io.Copy(server, client); server.Close() }()
			go delayed(client, server, delay)
		}
	}()
	return ln.Addr().String()
}

// delayed copies src to dst, each read delay later than it arrived.
func delayed(dst io.WriteCloser, src io.Reader, delay time.Duration) {
	type chunk struct {
		b  []byte
		at time.Time
	}
	ch := make(chan chunk, 1024)
	go func() {
		defer close(ch)
		for {
			buf := make([]byte, 32<<10)
			n, err := src.Read(buf)
			if n > 0 {
				ch <- chunk{buf[:n], time.Now().Add(delay)}
			}
			if err != nil {
				return
			}
		}
	}()
	for c := range ch {
		time.Sleep(time.Until(c.at))
		if _, err := dst.Write(c.b); err != nil {
			break
		}
	}
	dst.Close()
	for range ch {
	}
}
