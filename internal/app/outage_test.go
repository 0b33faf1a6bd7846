package app_test

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/quell-dev/quell/internal/config"
	"github.com/quell-dev/quell/internal/events"
	"github.com/quell-dev/quell/internal/ingestsvc"
	"github.com/quell-dev/quell/internal/natsembed"
	"github.com/quell-dev/quell/internal/quelltest"
)

// outage is an ingest whose NATS is down; up brings NATS (back) up and
// returns a JetStream to inspect what got stored. ready lists the /readyz
// of every service running (the ingest's first).
type outage struct {
	url   string
	ready []string
	logs  *quelltest.SyncBuffer
	up    func(t *testing.T) jetstream.JetStream
}

// Whether NATS goes away under a running ingest or the ingest starts first
// (as in make run), the ingest answers at once, 503 naming NATS, and what it
// refused is not stored once NATS is back: 503 means "not stored". Every
// /readyz answers 503 at once too.
func TestIngestDuringNATSOutage(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		start func(t *testing.T) outage
	}{
		{"NATS stopped under a running ingest", stoppedUnderIngest},
		{"ingest started before NATS", startedBeforeNATS},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			o := c.start(t)
			quelltest.Eventually(t, 15*time.Second, "ingest not ready", func() bool { return readyz(t, o.url) == http.StatusServiceUnavailable })
			for i := range 2 {
				start := time.Now()
				status, body := postAlert(t, o.url, fmt.Sprintf("outage_%d", i))
				if took := time.Since(start); status != http.StatusServiceUnavailable || !strings.Contains(body, "NATS unavailable") || took > time.Second {
					t.Errorf("alert during the outage: %d %s after %s, want 503 naming NATS at once", status, body, took)
				}
			}
			for _, url := range o.ready {
				start := time.Now()
				if status := readyz(t, url); status != http.StatusServiceUnavailable || time.Since(start) > 500*time.Millisecond {
					t.Errorf("%s/readyz during the outage: %d after %s, want 503 at once", url, status, time.Since(start))
				}
			}
			if logs := o.logs.String(); !strings.Contains(logs, "NATS unavailable") || strings.Contains(logs, "headers not supported") {
				t.Errorf("logs do not say NATS is unavailable:\n%s", logs)
			}
			js := o.up(t)
			quelltest.Eventually(t, 20*time.Second, "ingest accepting again", func() bool {
				status, _ := postAlert(t, o.url, "after_outage")
				return status == http.StatusAccepted
			})
			for _, m := range quelltest.StreamMsgs(t, js, events.StreamEvents, "") {
				if id := m.Header.Get(events.HeaderID); strings.HasPrefix(id, "outage_") {
					t.Errorf("event %s was answered 503 but is stored", id)
				}
			}
		})
	}
}

func stoppedUnderIngest(t *testing.T) outage {
	p := quelltest.StartPipeline(t, quelltest.PipelineOptions{})
	// The worker reports ready before it creates its consumers; stopping
	// NATS in between would fail its start, which is not under test here.
	waitConsumer(t, p.NATS.JS, events.StreamActions, events.ConsumerExecutor, 15*time.Second, "worker consumers")
	p.NATS.Server.Shutdown()
	return outage{url: p.IngestURL, ready: []string{p.IngestURL, p.WorkerURL}, logs: p.Logs, up: func(t *testing.T) jetstream.JetStream {
		p.NATS.Restart(t)
		return p.NATS.JS
	}}
}

func startedBeforeNATS(t *testing.T) outage {
	dir := t.TempDir()
	natsAddr := freeAddr(t)
	key := filepath.Join(dir, "webhook")
	if err := os.WriteFile(key, []byte(quelltest.WebhookSecret), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Parse([]byte(fmt.Sprintf(`
nats: {url: "nats://%s"}
sources:
  - {name: demo, kind: generic, auth: {scheme: standard-webhooks, secrets: ["file:%s"]}}
`, natsAddr, key)))
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	logs := &quelltest.SyncBuffer{}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- ingestsvc.RunIngest(ctx, cfg, ingestsvc.IngestOptions{Logger: slog.New(slog.NewJSONHandler(logs, nil)), Listener: ln})
	}()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("ingest: %v", err)
		}
	})
	url := "http://" + ln.Addr().String()
	return outage{url: url, ready: []string{url}, logs: logs, up: func(t *testing.T) jetstream.JetStream {
		return startNATSAt(t, natsAddr, filepath.Join(dir, "nats"))
	}}
}

func startNATSAt(t *testing.T, addr, storeDir string) jetstream.JetStream {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	srv, err := natsembed.Start(ctx, natsembed.Options{Listen: addr, StoreDir: storeDir})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Shutdown)
	nc, err := nats.Connect(srv.ClientURL())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	return js
}

// freeAddr returns a loopback address nothing listens on (yet).
func freeAddr(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func readyz(t *testing.T, url string) int {
	resp, err := http.Get(url + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func postAlert(t *testing.T, url, deliveryID string) (int, string) {
	return quelltest.PostAlert(t, url, `{"user":"asmith","severity":90}`, deliveryID)
}
