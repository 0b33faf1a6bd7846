// Package console is Quell's web console, served at /ui by the ingest: the
// recent actions and each action's detail (with undo), parked approvals,
// the DLQ with replay, each event with its actions, updated live over
// Server-Sent Events. Pages are rendered on the server from templates and
// assets embedded in the binary; the browser runs one small script.
//
// The console holds no authority of its own. A person signs in with a
// scoped API token; the session (a random id in an HttpOnly cookie, stored
// hashed in a KV bucket) names the token, and every read and decision is
// the /v1 API's own handler, called in-process with that token. So scopes,
// four-eyes, validation and the audit trail ("token:<name>") are exactly the
// API's, and the token never travels back to the browser.
package console

import (
	"context"
	"embed"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/quell-dev/quell/internal/api/auth"
)

//go:embed assets
var assets embed.FS

// DefaultSessionTTL is how long a sign-in lasts: a working day.
const DefaultSessionTTL = 12 * time.Hour

// Config wires a console.
type Config struct {
	JS jetstream.JetStream
	// API serves the /v1 routes (a mux with [api.API.Mount]); the console
	// calls it in-process for every read and decision.
	API    http.Handler
	Tokens auth.Tokens
	// Stop ends the live streams when the server shuts down.
	Stop context.Context
	// Replicas of the sessions bucket (nats.replicas).
	Replicas   int
	SessionTTL time.Duration
	Logger     *slog.Logger
	Now        func() time.Time
}

// Console serves /ui.
type Console struct {
	cfg      Config
	sessions *sessions
	pages    map[string]*template.Template
	static   http.Handler
	origin   *http.CrossOriginProtection
	reads    *reads
}

// New returns the console; it opens its bucket and streams on first use.
func New(cfg Config) (*Console, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Stop == nil {
		cfg.Stop = context.Background()
	}
	if cfg.SessionTTL <= 0 {
		cfg.SessionTTL = DefaultSessionTTL
	}
	pages, err := parsePages()
	if err != nil {
		return nil, err
	}
	static, err := fs.Sub(assets, "assets/static")
	if err != nil {
		return nil, err
	}
	return &Console{cfg: cfg, pages: pages, origin: http.NewCrossOriginProtection(),
		sessions: newSessions(cfg.JS, cfg.Replicas, cfg.SessionTTL, cfg.Now),
		static:   http.StripPrefix("/ui/static/", http.FileServerFS(static)),
		reads:    &reads{js: cfg.JS}}, nil
}

// Mount adds /ui to mux.
func (c *Console) Mount(mux *http.ServeMux) {
	mux.Handle("GET /ui", http.RedirectHandler("/ui/", http.StatusFound))
	mux.Handle("GET /ui/static/", c.headers(c.static))
	mux.Handle("GET /ui/login", c.headers(http.HandlerFunc(c.loginForm)))
	mux.Handle("POST /ui/login", c.headers(c.crossOrigin(http.HandlerFunc(c.login))))
	c.page(mux, "POST /ui/logout", "", c.logout)
	c.page(mux, "GET /ui/{$}", auth.ActionsRead, c.actionsPage)
	c.page(mux, "GET /ui/actions/{id}", auth.ActionsRead, c.actionPage)
	c.page(mux, "POST /ui/actions/{id}/undo", auth.ActionsWrite, c.undo)
	c.page(mux, "GET /ui/parked", auth.ActionsRead, c.parkedPage)
	c.page(mux, "POST /ui/parked/{id}/{decision}", auth.Approve, c.decide)
	c.page(mux, "GET /ui/dlq", auth.Operate, c.dlqPage)
	c.page(mux, "POST /ui/dlq/{seq}/replay", auth.Operate, c.replay)
	c.page(mux, "GET /ui/events", auth.ActionsRead, c.eventLookup)
	c.page(mux, "GET /ui/events/{id}", auth.ActionsRead, c.eventPage)
	c.page(mux, "GET /ui/stream", auth.ActionsRead, c.stream)
}

// headers sets what every /ui answer carries: no inline script or style,
// no framing, no caching of pages that show the audit trail.
func (c *Console) headers(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hd := w.Header()
		hd.Set("Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "+
			"connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
		hd.Set("X-Frame-Options", "DENY")
		hd.Set("X-Content-Type-Options", "nosniff")
		// same-origin, not no-referrer: with no-referrer browsers send
		// "Origin: null" on form posts, which the origin check refuses.
		hd.Set("Referrer-Policy", "same-origin")
		hd.Set("Cross-Origin-Opener-Policy", "same-origin")
		hd.Set("Cache-Control", "no-store")
		h.ServeHTTP(w, r)
	})
}

// crossOrigin refuses state-changing requests a browser marks as coming
// from another site (Sec-Fetch-Site, else Origin against Host).
func (c *Console) crossOrigin(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := c.origin.Check(r); err != nil {
			c.cfg.Logger.WarnContext(r.Context(), "console refused a cross-origin request", "path", r.URL.Path, "error", err)
			http.Error(w, "cross-origin request refused", http.StatusForbidden)
			return
		}
		h.ServeHTTP(w, r)
	})
}
