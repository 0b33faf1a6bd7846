// Package api is Quell's HTTP API for SOARs, approvers and operators: read
// an action's outcome (and long-poll for it), list outcomes, read an event
// and what it caused, decide parked actions, list and replay dead letters,
// and undo an action. It is mounted on the ingest's mux (one listener for
// the whole /v1) and reads through the index of internal/api/index, never
// by scanning a stream. Every route requires a token scope (internal/api/auth).
package api

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"

	"github.com/quell-dev/quell/internal/api/auth"
	"github.com/quell-dev/quell/internal/api/index"
	"github.com/quell-dev/quell/internal/apierr"
	"github.com/quell-dev/quell/internal/events"
	"github.com/quell-dev/quell/internal/ledger"
	"github.com/quell-dev/quell/internal/safety"
)

// Config wires an [API].
type Config struct {
	JS     jetstream.JetStream
	Tokens auth.Tokens
	// FourEyes refuses a token's approval of an action it requested.
	FourEyes bool
	// Stop ends long polls when the server shuts down, so a graceful
	// shutdown does not wait for them.
	Stop context.Context
	// MaxReplays is the DLQ loop guard ([dlq.Replay]); 0 means 3.
	MaxReplays int
	Logger     *slog.Logger
	Now        func() time.Time
}

// API serves the /v1 read and decision endpoints.
type API struct {
	cfg  Config
	mu   sync.Mutex
	deps *deps
}

// deps are opened on first use: at start-up the buckets may not exist yet
// (the streams are ensured in the background).
type deps struct {
	index   *index.Reader
	ledger  *ledger.Ledger
	board   *safety.Board
	streams map[string]jetstream.Stream
	pub     *events.Publisher
}

// New returns the [API].
func New(cfg Config) *API {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Stop == nil {
		cfg.Stop = context.Background()
	}
	if cfg.MaxReplays <= 0 {
		cfg.MaxReplays = 3
	}
	return &API{cfg: cfg}
}

// Route is one endpoint and the scope it needs.
type Route struct {
	Pattern string
	Scope   auth.Scope
	handle  func(a *API) handler
}

// Routes lists every endpoint Mount adds but /v1/openapi.json (public).
var Routes = []Route{
	{"GET /v1/actions/{id}", auth.ActionsRead, func(a *API) handler { return a.getAction }},
	{"GET /v1/actions", auth.ActionsRead, func(a *API) handler { return a.listActions }},
	{"POST /v1/actions/{id}/undo", auth.ActionsWrite, func(a *API) handler { return a.undo }},
	{"GET /v1/events/{id}", auth.ActionsRead, func(a *API) handler { return a.getEvent }},
	{"GET /v1/parked", auth.ActionsRead, func(a *API) handler { return a.listParked }},
	{"POST /v1/parked/{id}/approve", auth.Approve, func(a *API) handler { return a.approve }},
	{"POST /v1/parked/{id}/reject", auth.Approve, func(a *API) handler { return a.reject }},
	{"GET /v1/dlq", auth.Operate, func(a *API) handler { return a.listDLQ }},
	{"POST /v1/dlq/{seq}/replay", auth.Operate, func(a *API) handler { return a.replay }},
}

// Mount adds the API's routes to mux.
func (a *API) Mount(mux *http.ServeMux) {
	for _, rt := range Routes {
		a.route(mux, rt.Pattern, rt.Scope, rt.handle(a))
	}
	mux.HandleFunc("GET /v1/openapi.json", serveOpenAPI)
}

// call is one authenticated request.
type call struct {
	w     http.ResponseWriter
	r     *http.Request
	token auth.Token
	deps  *deps
}

// handler answers a call with a status and a body, or an error.
type handler func(ctx context.Context, c call) (int, any, error)

// maxBody bounds request bodies: they are small JSON objects.
const maxBody = 64 << 10

// route wraps h with tracing, authentication, the scope check, the body
// limit and the one place errors become statuses.
func (a *API) route(mux *http.ServeMux, pattern string, scope auth.Scope, h handler) {
	mux.Handle(pattern, otelhttp.NewHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		status, body, err := a.serve(w, r, scope, h)
		if err != nil {
			e := toError(err)
			log := a.cfg.Logger.InfoContext
			if e.Status >= 500 {
				log = a.cfg.Logger.ErrorContext
			}
			log(r.Context(), "API request failed", "route", pattern, "status", e.Status, "code", e.Code, "error", err)
			writeJSON(w, e.Status, apierr.Body(e))
			return
		}
		writeJSON(w, status, body)
	}), pattern))
}

func (a *API) serve(w http.ResponseWriter, r *http.Request, scope auth.Scope, h handler) (int, any, error) {
	tok, err := a.cfg.Tokens.Require(r, scope)
	if err != nil {
		return 0, nil, err
	}
	d, err := a.open(r.Context())
	if err != nil {
		return 0, nil, err
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxBody)
	return h(r.Context(), call{w: w, r: r, token: tok, deps: d})
}

// open returns the dependencies, opening them on first use.
func (a *API) open(ctx context.Context) (*deps, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.deps != nil {
		return a.deps, nil
	}
	if err := events.Connected(a.cfg.JS); err != nil {
		return nil, errors.Join(errUnavailable, err)
	}
	d := &deps{streams: map[string]jetstream.Stream{}, pub: events.NewPublisher(a.cfg.JS)}
	var err error
	if d.index, err = index.NewReader(ctx, a.cfg.JS); err != nil {
		return nil, errors.Join(errUnavailable, err)
	}
	if d.ledger, err = ledger.Open(ctx, a.cfg.JS, events.BucketLedger); err != nil {
		return nil, errors.Join(errUnavailable, err)
	}
	if d.board, err = safety.OpenBoard(ctx, a.cfg.JS); err != nil {
		return nil, errors.Join(errUnavailable, err)
	}
	for _, name := range []string{events.StreamEvents, events.StreamActions, events.StreamResults, events.StreamDLQ} {
		s, err := a.cfg.JS.Stream(ctx, name)
		if err != nil {
			return nil, errors.Join(errUnavailable, err)
		}
		d.streams[name] = s
	}
	a.deps = d
	return d, nil
}

// decodeBody reads a JSON body into v, refusing unknown fields; an empty
// body leaves v as it is.
func decodeBody(r *http.Request, v any) error {
	if r.ContentLength == 0 && r.Body == http.NoBody {
		return nil
	}
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var maxErr *http.MaxBytesError
		if errors.As(err, &maxErr) {
			return errTooLarge
		}
		if err.Error() == "EOF" {
			return nil
		}
		return badRequest("invalid JSON: " + err.Error())
	}
	return nil
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Cache-Control", "no-store")
	apierr.WriteJSON(w, status, v)
}

// who is how a token is named on what it did: ApprovedBy, a rejection's
// reason, an undo's RequestedBy, a replay's header.
func who(t auth.Token) string { return "token:" + t.Name }

// requester is the token that requested a: the ingest records a direct
// request's RequestedBy as "<token>" or "<token>:<requested_by>" (token
// names cannot contain ':'); planned actions say "policy".
func requester(requestedBy string) string {
	name, _, _ := strings.Cut(requestedBy, ":")
	return name
}
