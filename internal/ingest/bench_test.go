package ingest_test

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/quell-dev/quell/internal/events"
	"github.com/quell-dev/quell/internal/quelltest"
	"github.com/quell-dev/quell/internal/secret"
	"github.com/quell-dev/quell/internal/sourceauth"
)

// alert1KB is a realistic 1 KB alert body.
var alert1KB = func() []byte {
	b := []byte(`{"user":{"name":"jdoe","email":"jdoe@example.com"},"severity":85,"title":"Impossible travel","rule":"ueba","pad":"`)
	for len(b) < 1022 {
		b = append(b, 'x')
	}
	return append(b, '"', '}')
}()

// BenchmarkIngestBaseline is the limit SPEC.md measures against: a bare Go
// HTTP server that does one synchronous JetStream publish per request.
func BenchmarkIngestBaseline(b *testing.B) {
	n := quelltest.StartNATS(b)
	var seq atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		id := strconv.FormatInt(seq.Add(1), 10)
		if _, err := n.JS.Publish(r.Context(), events.EventSubject("alert", "baseline"), body, jetstream.WithMsgID(id)); err != nil {
			http.Error(w, err.Error(), http.StatusServiceUnavailable)
			return
		}
		w.WriteHeader(http.StatusAccepted)
	}))
	defer srv.Close()
	load(b, srv.URL+"/", func(req *http.Request, _ int64) {})
}

// BenchmarkIngestSignedWebhook is Quell's ingest on the same load: Standard
// Webhooks verification, parsing, normalization, CloudEvents encoding and
// the acknowledged publish.
func BenchmarkIngestSignedWebhook(b *testing.B) {
	srv, _ := server(b)
	key := secret.New(quelltest.WebhookSecret)
	load(b, srv.URL+"/v1/webhooks/demo", func(req *http.Request, i int64) {
		id := fmt.Sprintf("msg_bench_%d", i)
		now := time.Now()
		sig, _ := sourceauth.Sign(key, id, now, alert1KB)
		req.Header.Set("webhook-id", id)
		req.Header.Set("webhook-timestamp", strconv.FormatInt(now.Unix(), 10))
		req.Header.Set("webhook-signature", sig)
	})
}

// load posts alert1KB from parallel clients and reports requests per
// second and the p50/p99 accept latency.
func load(b *testing.B, url string, sign func(*http.Request, int64)) {
	b.Helper()
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 256}}
	var seq atomic.Int64
	var mu sync.Mutex
	var lat []time.Duration
	b.SetParallelism(8)
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		local := make([]time.Duration, 0, 1024)
		for pb.Next() {
			req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(alert1KB))
			req.Header.Set("Content-Type", "application/json")
			sign(req, seq.Add(1))
			t0 := time.Now()
			resp, err := client.Do(req)
			if err != nil {
				b.Error(err)
				return
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusAccepted {
				b.Errorf("status %d", resp.StatusCode)
				return
			}
			local = append(local, time.Since(t0))
		}
		mu.Lock()
		lat = append(lat, local...)
		mu.Unlock()
	})
	elapsed := time.Since(start)
	b.StopTimer()
	slices.Sort(lat)
	if len(lat) > 0 {
		b.ReportMetric(float64(len(lat))/elapsed.Seconds(), "req/s")
		b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-µs")
		b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-µs")
	}
}
