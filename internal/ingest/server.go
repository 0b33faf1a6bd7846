package ingest

import (
	"cmp"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"time"

	cloudevents "github.com/cloudevents/sdk-go/v2"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"

	"github.com/quell-dev/quell/internal/actions"
	"github.com/quell-dev/quell/internal/api/auth"
	"github.com/quell-dev/quell/internal/apierr"
	"github.com/quell-dev/quell/internal/events"
	"github.com/quell-dev/quell/internal/sourceauth"
)

// Parser turns a verified body into normalized alerts.
type Parser interface {
	Parse(body []byte) ([]events.Alert, error)
}

// HRParser turns a verified body into normalized HR employee changes.
type HRParser interface {
	ParseHR(body []byte) ([]events.HREmployee, error)
}

// Source is one configured webhook sender.
type Source struct {
	Name     string
	Kind     string
	Verifier sourceauth.Verifier
	// Parser (alert kinds) or HRParser (HR kinds); neither for cloudevents,
	// whose requests are CloudEvents already.
	Parser   Parser
	HRParser HRParser
}

// APIToken authenticates /v1/events and /v1/actions; its scopes decide
// which of them it may use (nil scopes: [auth.Default]).
type APIToken = auth.Token

// Config wires a [Server].
type Config struct {
	Sources   []Source
	APITokens []APIToken
	// Targets maps configured target names to their kinds, and Supports
	// says what each kind can do, so a direct action request that cannot
	// run is refused before it is stored.
	Targets  map[string]string
	Supports func(targetKind string, k actions.Kind) bool
	JS       jetstream.JetStream
	MaxBody  int64
	// MaxItems caps the events one request may become; 0 means
	// [DefaultMaxItems].
	MaxItems int
	// DryRun makes every direct action request a dry run (safety.dry_run),
	// and DryRunTargets those on the targets marked dry_run.
	DryRun        bool
	DryRunTargets map[string]bool
	// SecretTargets are the targets with secret recipients: only they may
	// rotate a client secret.
	SecretTargets map[string]bool
	Logger        *slog.Logger
	Metrics       http.Handler
	Telemetry     *Metrics
	Now           func() time.Time
	// Mount, if set, adds more routes (the read and decision API of
	// internal/api) to the same mux, so one listener serves the whole /v1.
	Mount func(mux *http.ServeMux)
}

// DefaultMaxItems is ingest.max_items_per_request's default.
const DefaultMaxItems = 1000

// readyTimeout bounds /readyz's JetStream round trips: a probe must get an
// answer well within its own timeout, even when JetStream does not answer.
const readyTimeout = time.Second

// Server is the ingest HTTP handler.
type Server struct {
	cfg     Config
	sources map[string]Source
	pub     *events.Publisher
	mux     *http.ServeMux
}

// New returns the ingest handler.
func New(cfg Config) *Server {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Telemetry == nil {
		cfg.Telemetry = NewMetrics(nil)
	}
	if cfg.MaxItems <= 0 {
		cfg.MaxItems = DefaultMaxItems
	}
	s := &Server{cfg: cfg, sources: map[string]Source{}, pub: events.NewPublisher(cfg.JS), mux: http.NewServeMux()}
	for _, src := range cfg.Sources {
		s.sources[src.Name] = src
	}
	s.route("POST /v1/webhooks/{source}", s.webhook)
	s.mux.HandleFunc("GET /v1/webhooks/{source}", s.verifyHook)
	s.route("POST /v1/events", s.cloudEvents)
	s.route("POST /v1/actions", s.action)
	s.mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		apierr.WriteJSON(w, 200, map[string]string{"status": "ok"})
	})
	s.mux.HandleFunc("GET /readyz", s.ready)
	if cfg.Metrics != nil {
		s.mux.Handle("GET /metrics", cfg.Metrics)
	}
	if cfg.Mount != nil {
		cfg.Mount(s.mux)
	}
	return s
}

// ServeHTTP implements [http.Handler].
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

// accepted is the 202 body.
type accepted struct {
	IDs        []string `json:"ids"`
	Duplicates int      `json:"duplicates,omitempty"`
	// status replaces 202 for senders that want another 2xx (Okta).
	status int
}

type apiHandler func(w http.ResponseWriter, r *http.Request) (accepted, error)

// route wraps an API handler with tracing, the body limit and the one
// place errors become statuses.
func (s *Server) route(pattern string, h apiHandler) {
	name := pattern[strings.Index(pattern, " ")+1:]
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := s.cfg.Now()
		r.Body = http.MaxBytesReader(w, r.Body, s.cfg.MaxBody)
		res, err := h(w, r)
		label := r.PathValue("source")
		if label == "" {
			label = name
		}
		if err != nil {
			e := toAPIError(err)
			s.cfg.Logger.InfoContext(r.Context(), "request rejected", "route", name, "source", label, "status", e.Status, "code", e.Code, "error", err)
			s.cfg.Telemetry.request(r.Context(), label, e.Code, s.cfg.Now().Sub(start))
			apierr.Write(w, e)
			return
		}
		s.cfg.Telemetry.request(r.Context(), label, "accepted", s.cfg.Now().Sub(start))
		apierr.WriteJSON(w, cmp.Or(res.status, http.StatusAccepted), res)
	})
	s.mux.Handle(pattern, otelhttp.NewHandler(handler, "POST "+name))
}

func (s *Server) ready(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), readyTimeout)
	defer cancel()
	if err := events.CheckStreams(ctx, s.cfg.JS); err != nil {
		apierr.WriteJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "not ready", "reason": err.Error()})
		return
	}
	apierr.WriteJSON(w, http.StatusOK, map[string]string{"status": "ready"})
}

// publishAll stores evs on subject and returns their ids; it fails as a
// whole if any write is not acknowledged, and the sender's retry is safe
// because the stored ones are deduplicated.
func (s *Server) publishAll(ctx context.Context, subject func(cloudevents.Event) string, evs []cloudevents.Event) (accepted, error) {
	if err := events.Connected(s.cfg.JS); err != nil {
		s.cfg.Logger.WarnContext(ctx, "NATS unavailable: request refused, nothing stored", "events", len(evs), "error", err)
		return accepted{}, errNATSDown
	}
	out := make([]events.Outgoing, len(evs))
	for i, ev := range evs {
		out[i] = events.Outgoing{Subject: subject(ev), Event: ev}
	}
	pubs, err := s.pub.PublishAll(ctx, out)
	if err != nil {
		return accepted{}, s.publishFailed(ctx, len(evs), err)
	}
	res := accepted{IDs: make([]string, 0, len(evs))}
	for i, p := range pubs {
		ev := evs[i]
		if p.Duplicate {
			res.Duplicates++
		}
		res.IDs = append(res.IDs, ev.ID())
		s.cfg.Logger.InfoContext(ctx, "event accepted", "event_id", ev.ID(), "event_type", ev.Type(), "duplicate", p.Duplicate, "stream_seq", p.Sequence)
	}
	return res, nil
}

// publishFailed logs a failed publish and picks the 503 the client sees:
// the connection may have dropped since publishAll looked.
func (s *Server) publishFailed(ctx context.Context, n int, err error) error {
	if errors.Is(err, nats.ErrReconnectBufExceeded) || errors.Is(err, nats.ErrHeadersNotSupported) ||
		errors.Is(err, nats.ErrConnectionClosed) || errors.Is(err, nats.ErrDisconnected) {
		s.cfg.Logger.WarnContext(ctx, "NATS unavailable: publish refused", "events", n, "error", err)
		return errNATSDown
	}
	s.cfg.Logger.ErrorContext(ctx, "publish failed", "events", n, "error", err)
	return errUnavailable
}

// bearer authenticates an API request, checks that its token carries
// scope, and returns the token's name.
func (s *Server) bearer(r *http.Request, scope auth.Scope) (string, error) {
	t, err := auth.Tokens(s.cfg.APITokens).Require(r, scope)
	switch {
	case errors.Is(err, auth.ErrForbidden):
		return "", apierr.New(http.StatusForbidden, "forbidden", err.Error())
	case err != nil:
		return "", errUnauthorized
	}
	return t.Name, nil
}
