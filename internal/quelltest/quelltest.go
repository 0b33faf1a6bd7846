// Package quelltest gives tests real infrastructure: an embedded NATS
// JetStream server per test with Quell's streams created, and helpers to read
// what the pipeline published. It is imported only by tests.
package quelltest

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/quell-dev/quell/internal/events"
	"github.com/quell-dev/quell/internal/natsembed"
)

// NATS is one test's embedded server and a connection to it.
type NATS struct {
	Server *natsembed.Server
	Conn   *nats.Conn
	JS     jetstream.JetStream
	Dir    string
}

// StartNATS starts an embedded server on a free loopback port with file
// storage in a temporary directory, creates the streams, and stops it all
// when the test ends.
func StartNATS(t testing.TB) *NATS {
	t.Helper()
	dir := t.TempDir()
	return StartNATSAt(t, dir)
}

// StartNATSAt is [StartNATS] with a given store directory, so that a test can
// restart the server on the same data.
func StartNATSAt(t testing.TB, dir string) *NATS {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	srv, err := natsembed.Start(ctx, natsembed.Options{Listen: "127.0.0.1:0", StoreDir: filepath.Join(dir, "nats")})
	if err != nil {
		t.Fatalf("start nats: %v", err)
	}
	nc, err := nats.Connect(srv.ClientURL(), nats.MaxReconnects(-1), nats.ReconnectWait(100*time.Millisecond))
	if err != nil {
		srv.Shutdown()
		t.Fatalf("connect nats: %v", err)
	}
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatalf("jetstream: %v", err)
	}
	if err := events.EnsureStreams(ctx, js, events.DefaultStreamOptions()); err != nil {
		t.Fatalf("ensure streams: %v", err)
	}
	n := &NATS{Server: srv, Conn: nc, JS: js, Dir: dir}
	t.Cleanup(n.Stop)
	return n
}

// Restart shuts the server down and starts it again on the same address
// and store directory, as after a crash and a restart of NATS; clients
// reconnect by themselves.
func (n *NATS) Restart(t testing.TB) {
	t.Helper()
	addr := strings.TrimPrefix(n.Server.ClientURL(), "nats://")
	n.Server.Shutdown()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	srv, err := natsembed.Start(ctx, natsembed.Options{Listen: addr, StoreDir: filepath.Join(n.Dir, "nats")})
	if err != nil {
		t.Fatalf("restart nats: %v", err)
	}
	n.Server = srv
	Eventually(t, 15*time.Second, "reconnect to NATS", n.Conn.IsConnected)
}

// Stop closes the connection and shuts the server down; safe to call twice.
func (n *NATS) Stop() {
	if n.Conn != nil {
		n.Conn.Close()
		n.Conn = nil
	}
	if n.Server != nil {
		n.Server.Shutdown()
		n.Server = nil
	}
}

// StreamMsgs returns the messages stored in stream, optionally filtered by a
// subject pattern, in order.
func StreamMsgs(t testing.TB, js jetstream.JetStream, stream, filter string) []jetstream.RawStreamMsg {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	s, err := js.Stream(ctx, stream)
	if err != nil {
		t.Fatalf("stream %s: %v", stream, err)
	}
	info, err := s.Info(ctx)
	if err != nil {
		t.Fatalf("stream %s info: %v", stream, err)
	}
	var out []jetstream.RawStreamMsg
	for seq := info.State.FirstSeq; seq <= info.State.LastSeq && info.State.Msgs > 0; seq++ {
		m, err := s.GetMsg(ctx, seq)
		if err != nil {
			continue // deleted or expired
		}
		if filter == "" || subjectMatches(filter, m.Subject) {
			out = append(out, *m)
		}
	}
	return out
}

// Eventually polls cond until it holds or the timeout passes.
func Eventually(t testing.TB, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		if cond() {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("timed out after %s waiting for %s", timeout, what)
}
