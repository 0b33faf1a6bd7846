package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/pb33f/libopenapi"
	validator "github.com/pb33f/libopenapi-validator"
	vconfig "github.com/pb33f/libopenapi-validator/config"

	"github.com/quell-dev/quell/internal/actions"
	"github.com/quell-dev/quell/internal/api"
	"github.com/quell-dev/quell/internal/api/auth"
	"github.com/quell-dev/quell/internal/api/index"
	"github.com/quell-dev/quell/internal/events"
	"github.com/quell-dev/quell/internal/ingest"
	"github.com/quell-dev/quell/internal/quelltest"
	"github.com/quell-dev/quell/internal/secret"
)

// Test tokens: one per scope mix the tests need. The secret is the name
// with a suffix, so a failure message never needs to show one.
var testTokens = map[string][]auth.Scope{
	"soar":      nil, // auth.Default
	"reader":    {auth.ActionsRead},
	"approver":  {auth.ActionsRead, auth.Approve},
	"approver2": {auth.Approve},
	"operator":  {auth.Operate},
	"writer":    {auth.EventsWrite},
	"actor":     {auth.ActionsWrite},
}

func tokenSecret(name string) string { return name + "-secret-0123456789" }

// env is a NATS server with the streams, the indexer running, and the
// ingest with the API mounted on a loopback HTTP server.
type env struct {
	t   *testing.T
	js  jetstream.JetStream
	url string
	pub *events.Publisher
}

func newEnv(t *testing.T, fourEyes bool) *env {
	t.Helper()
	n := quelltest.StartNATS(t)
	ctx, cancel := context.WithCancel(context.Background())
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	ix, err := index.NewIndexer(ctx, n.JS, log)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- ix.Run(ctx) }()
	var tokens auth.Tokens
	for name, scopes := range testTokens {
		tokens = append(tokens, auth.Token{Name: name, Token: secret.New(tokenSecret(name)), Scopes: scopes})
	}
	a := api.New(api.Config{JS: n.JS, Tokens: tokens, FourEyes: fourEyes, Stop: ctx, Logger: log})
	srv := httptest.NewServer(ingest.New(ingest.Config{APITokens: tokens, JS: n.JS, MaxBody: 1 << 20, Logger: log,
		Targets: map[string]string{"bi": "beyondinsight", "tf": "threadfix"}, Mount: a.Mount}))
	t.Cleanup(func() {
		srv.Close()
		cancel()
		if err := <-done; err != nil {
			t.Errorf("indexer: %v", err)
		}
	})
	return &env{t: t, js: n.JS, url: srv.URL, pub: events.NewPublisher(n.JS)}
}

// do sends one request as token ("" for none) and checks it against the
// OpenAPI document: every response must match it, and a request the API
// accepted (2xx) must match it too, so the document and the handlers
// cannot drift apart unnoticed. It returns the status and the body.
func (e *env) do(method, path, token string, body any) (int, []byte) {
	e.t.Helper()
	var raw []byte
	if body != nil {
		var err error
		if raw, err = json.Marshal(body); err != nil {
			e.t.Fatal(err)
		}
	}
	req, err := http.NewRequest(method, e.url+path, bytes.NewReader(raw))
	if err != nil {
		e.t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	checkOpenAPI(e.t, method, e.url+path, token, raw, resp, out)
	return resp.StatusCode, out
}

// as is do with a named test token.
func (e *env) as(name, method, path string, body any) (int, []byte) {
	e.t.Helper()
	return e.do(method, path, tokenSecret(name), body)
}

// want returns a checker of a (status, body) answer: the status must be
// wantStatus, and the body decodes into a T.
func want[T any](t *testing.T) func(status int, body []byte) T {
	return func(status int, body []byte) T {
		t.Helper()
		if status != http.StatusOK && status != http.StatusAccepted {
			t.Fatalf("status %d: %s", status, body)
		}
		var v T
		if err := json.Unmarshal(body, &v); err != nil {
			t.Fatalf("decode %s: %v", body, err)
		}
		return v
	}
}

func mustDecode[T any](body []byte) T {
	var v T
	_ = json.Unmarshal(body, &v)
	return v
}

var (
	openapiOnce sync.Once
	openapiV    validator.Validator
	openapiErr  string
)

func openAPIValidator(t *testing.T) validator.Validator {
	t.Helper()
	openapiOnce.Do(func() {
		doc, err := libopenapi.NewDocument(api.OpenAPIJSON())
		if err != nil {
			openapiErr = err.Error()
			return
		}
		v, errs := validator.NewValidator(doc, vconfig.WithFormatAssertions())
		if len(errs) > 0 {
			openapiErr = errs[0].Error()
			return
		}
		openapiV = v
	})
	if openapiV == nil {
		t.Fatalf("openapi.yaml: %s", openapiErr)
	}
	return openapiV
}

var validateMu sync.Mutex

func checkOpenAPI(t *testing.T, method, url, token string, reqBody []byte, resp *http.Response, respBody []byte) {
	t.Helper()
	v := openAPIValidator(t)
	mk := func() *http.Request {
		r, _ := http.NewRequest(method, url, bytes.NewReader(reqBody))
		if len(reqBody) > 0 {
			r.Header.Set("Content-Type", "application/json")
		}
		if token != "" {
			r.Header.Set("Authorization", "Bearer "+token)
		}
		return r
	}
	res := &http.Response{StatusCode: resp.StatusCode, Header: resp.Header, Body: io.NopCloser(bytes.NewReader(respBody)), Request: mk()}
	validateMu.Lock()
	defer validateMu.Unlock()
	if ok, errs := v.ValidateHttpResponse(mk(), res); !ok {
		t.Errorf("%s %s -> %d: response does not match the OpenAPI document:%s\n%s", method, url, resp.StatusCode, describe(errs), respBody)
	}
	if resp.StatusCode < 300 {
		if ok, errs := v.ValidateHttpRequest(mk()); !ok {
			t.Errorf("%s %s was accepted (%d) but does not match the OpenAPI document:%s", method, url, resp.StatusCode, describe(errs))
		}
	}
}

func describe[E interface{ Error() string }](errs []E) string {
	var b strings.Builder
	for _, e := range errs {
		b.WriteString("\n  " + e.Error())
	}
	return b.String()
}

// Helpers that play the worker's part: they store what a worker would.

func testAction(id, target, user string) actions.Action {
	return actions.Action{ID: id, Kind: actions.Quarantine, Target: target, User: actions.ParseUserRef(user),
		Reason: "test", RequestedBy: "policy", RequestedAt: time.Now().UTC()}
}

func (e *env) request(a actions.Action) {
	e.t.Helper()
	ev, err := events.NewActionRequested(events.SourcePlanner, a)
	if err != nil {
		e.t.Fatal(err)
	}
	if _, err := e.pub.Publish(context.Background(), events.ActionSubject(a.Target, string(a.Kind)), ev); err != nil {
		e.t.Fatal(err)
	}
}

func (e *env) result(a actions.Action, status actions.Status, guard string, finished time.Time) {
	e.t.Helper()
	r := events.ActionResult{Action: a, Status: status, Guard: guard, Reason: "test " + string(status),
		Outcome: actions.Outcome{Status: status}, StartedAt: finished, FinishedAt: finished}
	ev, err := events.NewResult(r)
	if err != nil {
		e.t.Fatal(err)
	}
	if _, err := e.pub.Publish(context.Background(), events.ResultSubject(a.Target, string(a.Kind)), ev); err != nil {
		e.t.Fatal(err)
	}
}

// indexed waits until the indexer has caught up with every stream.
func (e *env) indexed() {
	e.t.Helper()
	quelltest.Eventually(e.t, 10*time.Second, "the indexer to catch up", func() bool {
		for _, s := range []string{events.StreamEvents, events.StreamActions, events.StreamResults} {
			c, err := e.js.Consumer(context.Background(), s, index.ConsumerName)
			if err != nil {
				return false
			}
			info, err := c.Info(context.Background())
			if err != nil || info.NumPending > 0 || info.NumAckPending > 0 {
				return false
			}
		}
		return true
	})
}

func itoa(n uint64) string { return strconv.FormatUint(n, 10) }
