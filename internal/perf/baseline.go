package perf

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// BaselineStream is the baseline's own stream: configured like
// QUELL_EVENTS (file storage, replicas 1, a one-hour duplicate window,
// limits retention), but apart from it, so that the ingest's indexer, which
// follows QUELL_EVENTS, does no work for the baseline's messages.
const BaselineStream = "PERF_BASELINE"

// ServeBaseline is the limit ingest is measured against, as a process of
// its own (quell-perf -serve-baseline): a bare Go HTTP server that does one
// synchronous JetStream publish per request (the body, with the webhook-id
// as message id) and answers 202, like BenchmarkIngestBaseline in
// internal/ingest. GET /readyz answers 200 once the stream exists.
func ServeBaseline(ctx context.Context, natsURL, listen string) error {
	nc, err := nats.Connect(natsURL, nats.Name("quell-perf-baseline"), nats.MaxReconnects(-1))
	if err != nil {
		return err
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		return err
	}
	sctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	_, err = js.CreateOrUpdateStream(sctx, jetstream.StreamConfig{Name: BaselineStream, Subjects: []string{"perf.baseline.>"},
		Retention: jetstream.LimitsPolicy, Storage: jetstream.FileStorage, Replicas: 1, Duplicates: time.Hour,
		MaxAge: 7 * 24 * time.Hour, Discard: jetstream.DiscardOld})
	cancel()
	if err != nil {
		return err
	}
	var seq atomic.Int64
	mux := http.NewServeMux()
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusOK) })
	mux.HandleFunc("POST /", func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		id := r.Header.Get("webhook-id")
		if id == "" {
			id = strconv.FormatInt(seq.Add(1), 10)
		}
		if _, err := js.Publish(r.Context(), "perf.baseline.alert", body, jetstream.WithMsgID(id)); err != nil {
			http.Error(w, err.Error(), http.StatusServiceUnavailable)
			return
		}
		w.WriteHeader(http.StatusAccepted)
	})
	ln, err := net.Listen("tcp", listen)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
	}()
	if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
