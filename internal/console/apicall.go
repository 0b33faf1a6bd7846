package console

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/quell-dev/quell/internal/api/auth"
	"github.com/quell-dev/quell/internal/api/index"
	"github.com/quell-dev/quell/internal/events"
)

// apiError is a /v1 error answer, shown to the person as it is: the API's
// messages are written for people and never contain a token.
type apiError struct {
	Status  int
	Code    string
	Message string
}

func (e *apiError) Error() string { return fmt.Sprintf("%d %s: %s", e.Status, e.Code, e.Message) }

// call runs one /v1 request in-process as tok and decodes a 2xx answer
// into out. In-process, not over the network: no second listener, no TLS
// to the same process, and the API's own checks apply unchanged.
func (c *Console) call(ctx context.Context, tok auth.Token, method, path string, body, out any) error {
	rd := io.Reader(http.NoBody)
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return fmt.Errorf("encode %s %s: %w", method, path, err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, path, rd)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	req.Header.Set("Authorization", "Bearer "+tok.Token.Reveal())
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	rec := &recorder{header: http.Header{}, status: http.StatusOK}
	c.cfg.API.ServeHTTP(rec, req)
	if rec.status >= 300 {
		return decodeError(rec)
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(rec.body.Bytes(), out); err != nil {
		return fmt.Errorf("decode %s %s: %w", method, path, err)
	}
	return nil
}

func decodeError(rec *recorder) error {
	var e struct {
		Error struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}
	if err := json.Unmarshal(rec.body.Bytes(), &e); err != nil || e.Error.Code == "" {
		return &apiError{Status: rec.status, Code: "error", Message: strings.TrimSpace(rec.body.String())}
	}
	return &apiError{Status: rec.status, Code: e.Error.Code, Message: e.Error.Message}
}

// recorder is the ResponseWriter of an in-process call.
type recorder struct {
	header http.Header
	status int
	wrote  bool
	body   bytes.Buffer
}

func (r *recorder) Header() http.Header { return r.header }

func (r *recorder) WriteHeader(status int) {
	if !r.wrote {
		r.status, r.wrote = status, true
	}
}

func (r *recorder) Write(b []byte) (int, error) {
	r.wrote = true
	return r.body.Write(b)
}

// reads are the few things the console shows that the API does not
// answer: the trace id of an action's result, which is a CloudEvent
// extension rather than part of the result.
type reads struct {
	js jetstream.JetStream

	mu      sync.Mutex
	index   *index.Reader
	results jetstream.Stream
}

func (rd *reads) open(ctx context.Context) error {
	rd.mu.Lock()
	defer rd.mu.Unlock()
	if rd.index != nil {
		return nil
	}
	ix, err := index.NewReader(ctx, rd.js)
	if err != nil {
		return fmt.Errorf("open index: %w", err)
	}
	s, err := rd.js.Stream(ctx, events.StreamResults)
	if err != nil {
		return fmt.Errorf("open %s: %w", events.StreamResults, err)
	}
	rd.index, rd.results = ix, s
	return nil
}

// lastSeq is the results stream's last sequence: a page rendered now
// shows everything up to it, and its live stream starts after it, so no
// result lands unseen between the two.
func (rd *reads) lastSeq(ctx context.Context) (uint64, error) {
	if err := rd.open(ctx); err != nil {
		return 0, err
	}
	info, err := rd.results.Info(ctx)
	if err != nil {
		return 0, fmt.Errorf("read %s info: %w", events.StreamResults, err)
	}
	return info.State.LastSeq, nil
}

// traceID returns the trace id the action's latest result carries, or "".
func (rd *reads) traceID(ctx context.Context, id string) (string, error) {
	if err := rd.open(ctx); err != nil {
		return "", err
	}
	rec, ok, err := rd.index.Result(ctx, id)
	if err != nil || !ok {
		return "", err
	}
	m, err := rd.results.GetMsg(ctx, rec.Seq)
	if errors.Is(err, jetstream.ErrMsgNotFound) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("read result %s: %w", id, err)
	}
	ev, err := events.Decode(m.Data)
	if err != nil {
		return "", err
	}
	tp, _ := ev.Extensions()[events.ExtTraceparent].(string)
	return traceOf(tp), nil
}

// traceOf takes the trace id out of a W3C traceparent
// ("00-<trace id>-<span id>-<flags>").
func traceOf(traceparent string) string {
	parts := strings.Split(traceparent, "-")
	if len(parts) != 4 || len(parts[1]) != 32 {
		return ""
	}
	return parts[1]
}
