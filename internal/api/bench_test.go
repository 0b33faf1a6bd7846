package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/quell-dev/quell/internal/actions"
	"github.com/quell-dev/quell/internal/api"
	"github.com/quell-dev/quell/internal/api/auth"
	"github.com/quell-dev/quell/internal/api/index"
	"github.com/quell-dev/quell/internal/events"
	"github.com/quell-dev/quell/internal/quelltest"
	"github.com/quell-dev/quell/internal/secret"
)

// storedResults is how many real results the index entries point at:
// storing a million result bodies would measure the disk, not the lookup.
const storedResults = 1000

// BenchmarkActionLookup measures GET /v1/actions/{id} through the handler
// (index get, ledger get, decisions get, one direct read of the result)
// with 1,000 and with 1,000,000 actions in the index: the ratio shows
// whether a lookup depends on how much is stored. make bench-api runs it.
func BenchmarkActionLookup(b *testing.B) {
	for _, n := range []int{1_000, 1_000_000} {
		h, ids := loadIndex(b, n)
		b.Run(fmt.Sprintf("entries=%d", n), func(b *testing.B) {
			rng := rand.New(rand.NewPCG(1, 2))
			b.ResetTimer()
			for b.Loop() {
				id := ids(rng.IntN(n))
				rec := httptest.NewRecorder()
				req := httptest.NewRequest("GET", "/v1/actions/"+id, nil)
				req.Header.Set("Authorization", "Bearer bench-token")
				h.ServeHTTP(rec, req)
				if rec.Code != http.StatusOK {
					b.Fatalf("GET %s: %d %s", id, rec.Code, rec.Body)
				}
			}
		})
		b.Run(fmt.Sprintf("by-user/entries=%d", n), func(b *testing.B) {
			for b.Loop() {
				rec := httptest.NewRecorder()
				req := httptest.NewRequest("GET", "/v1/actions?user=bench-user&since=48h&limit=20", nil)
				req.Header.Set("Authorization", "Bearer bench-token")
				h.ServeHTTP(rec, req)
				var p api.Page[api.ResultRow]
				if rec.Code != http.StatusOK || json.Unmarshal(rec.Body.Bytes(), &p) != nil || len(p.Items) != 20 {
					b.Fatalf("list by user: %d %s", rec.Code, rec.Body)
				}
			}
		})
	}
}

// loadIndex starts NATS, stores storedResults results and writes n a.
// entries (and 50 u. entries for one user) straight into the index
// bucket with asynchronous publishes.
func loadIndex(b *testing.B, n int) (http.Handler, func(int) string) {
	b.Helper()
	nt := quelltest.StartNATS(b)
	js, err := jetstream.New(nt.Conn, jetstream.WithPublishAsyncMaxPending(8192))
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	pub := events.NewPublisher(js)
	now := time.Now().UTC()
	for i := range storedResults {
		a := actions.Action{ID: fmt.Sprintf("act_r%d", i), Kind: actions.Quarantine, Target: "bi", User: actions.UserRef{Username: "bench-user"}, RequestedAt: now}
		ev, _ := events.NewResult(events.ActionResult{Action: a, Status: actions.StatusCompleted, StartedAt: now, FinishedAt: now})
		if _, err := pub.Publish(ctx, events.ResultSubject("bi", "quarantine"), ev); err != nil {
			b.Fatal(err)
		}
	}
	ids := func(i int) string { return fmt.Sprintf("act_%032x", i) }
	start := time.Now()
	prefix := "$KV." + events.BucketIndex + "."
	for i := range n {
		rec, _ := json.Marshal(index.Record{Seq: uint64(i%storedResults) + 1, Status: actions.StatusCompleted, FinishedAt: now})
		if _, err := js.PublishAsync(prefix+index.ActionKey(ids(i)), rec, jetstream.WithStallWait(time.Minute)); err != nil {
			b.Fatal(err)
		}
	}
	for i := range 50 {
		key := index.UserKey("bench-user", now.Add(time.Duration(i)*time.Second), fmt.Sprintf("act_r%d", i), uint64(i)+1)
		if _, err := js.PublishAsync(prefix+key, nil, jetstream.WithStallWait(time.Minute)); err != nil {
			b.Fatal(err)
		}
	}
	select {
	case <-js.PublishAsyncComplete():
	case <-time.After(10 * time.Minute):
		b.Fatal("index load did not complete")
	}
	b.Logf("loaded %d index entries in %s", n, time.Since(start).Round(time.Millisecond))
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	a := api.New(api.Config{JS: nt.JS, Logger: log,
		Tokens: auth.Tokens{{Name: "bench", Token: secret.New("bench-token"), Scopes: []auth.Scope{auth.ActionsRead}}}})
	mux := http.NewServeMux()
	a.Mount(mux)
	return mux, ids
}
