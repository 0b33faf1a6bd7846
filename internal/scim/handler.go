package scim

import (
	"crypto/subtle"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/quell-dev/quell/internal/events"
	"github.com/quell-dev/quell/internal/secret"
)

// Prefix is where the ingest mounts the handler.
const Prefix = "/scim/v2"

// Authorizer authenticates a request and returns the name of its token.
// It fails with [ErrUnauthenticated] (401) or [ErrForbidden] (403).
type Authorizer func(r *http.Request) (tokenName string, err error)

// Token is a named bearer token.
type Token struct {
	Name  string
	Token secret.Secret
}

// BearerTokens authorizes requests carrying one of tokens, compared in
// constant time, every token each time, so timing reveals nothing.
func BearerTokens(tokens []Token) Authorizer {
	return func(r *http.Request) (string, error) {
		presented, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok || presented == "" {
			return "", ErrUnauthenticated
		}
		name := ""
		for _, t := range tokens {
			if subtle.ConstantTimeCompare([]byte(presented), []byte(t.Token.Reveal())) == 1 {
				name = t.Name
			}
		}
		if name == "" {
			return "", ErrUnauthenticated
		}
		return name, nil
	}
}

// Config wires a [Handler].
type Config struct {
	JS jetstream.JetStream
	// Publisher defaults to events.NewPublisher(JS).
	Publisher Publisher
	// Source names the events' source: /quell/sources/<Source> and
	// quell.events.hr.<Source>; a valid subject token.
	Source    string
	Authorize Authorizer
	// MaxBody caps request bodies; 1 MiB when 0.
	MaxBody int64
	// BaseURL is the public URL of the endpoint (https://quell.example.com/scim/v2)
	// for meta.location; when empty it is derived from the request.
	BaseURL string
	Logger  *slog.Logger
	Now     func() time.Time
}

// Handler serves /scim/v2.
type Handler struct {
	cfg    Config
	source string
	dir    *Directory
	pub    Publisher
	log    *slog.Logger
	now    func() time.Time
	mux    *http.ServeMux
}

// New returns the SCIM handler.
func New(cfg Config) (*Handler, error) {
	if err := events.CheckToken(cfg.Source); err != nil {
		return nil, fmt.Errorf("scim source: %w", err)
	}
	if cfg.Authorize == nil || cfg.JS == nil {
		return nil, errors.New("scim: Authorize and JS are required")
	}
	h := &Handler{cfg: cfg, source: cfg.Source, dir: NewDirectory(cfg.JS), pub: cfg.Publisher, log: cfg.Logger, now: cfg.Now, mux: http.NewServeMux()}
	if h.pub == nil {
		h.pub = events.NewPublisher(cfg.JS)
	}
	if h.log == nil {
		h.log = slog.Default()
	}
	if h.now == nil {
		h.now = time.Now
	}
	if h.cfg.MaxBody <= 0 {
		h.cfg.MaxBody = 1 << 20
	}
	h.routes()
	return h, nil
}

// ServeHTTP implements [http.Handler].
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) { h.mux.ServeHTTP(w, r) }

type handlerFunc func(w http.ResponseWriter, r *http.Request) error

func (h *Handler) routes() {
	p := Prefix
	h.handle("GET "+p+"/Users", h.list)
	h.handle("POST "+p+"/Users", h.post)
	h.handle("GET "+p+"/Users/{id}", h.getUser)
	h.handle("PUT "+p+"/Users/{id}", h.put)
	h.handle("PATCH "+p+"/Users/{id}", h.patch)
	h.handle("DELETE "+p+"/Users/{id}", h.deleteUser)
	h.handle("GET "+p+"/ServiceProviderConfig", h.serviceProviderConfig)
	h.handle("GET "+p+"/ResourceTypes", h.resourceTypes)
	h.handle("GET "+p+"/ResourceTypes/{name}", h.resourceType)
	h.handle("GET "+p+"/Schemas", h.schemas)
	h.handle("GET "+p+"/Schemas/{id}", h.schema)
	for _, path := range []string{"/Groups", "/Groups/{id}", "/Bulk", "/Me"} {
		h.handle(p+path, notImplemented)
	}
	h.handle("POST "+p+"/.search", notImplemented)
	h.handle("POST "+p+"/Users/.search", notImplemented)
	for _, path := range []string{"/Users", "/Users/{id}", "/ServiceProviderConfig", "/ResourceTypes", "/Schemas"} {
		h.handle(p+path, methodNotAllowed)
	}
	h.handle(p+"/", func(http.ResponseWriter, *http.Request) error { return errNotFound })
}

// handle wraps fn with authentication, the body limit, logging and the one
// place errors become SCIM error responses.
func (h *Handler) handle(pattern string, fn handlerFunc) {
	h.mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, h.cfg.MaxBody)
		token, err := h.cfg.Authorize(r)
		if err == nil {
			err = fn(w, r)
		}
		if err == nil {
			return
		}
		e := toError(err)
		level := slog.LevelInfo
		if e.Status >= 500 {
			level = slog.LevelWarn
		}
		h.log.Log(r.Context(), level, "scim request rejected", "method", r.Method, "path", r.URL.Path,
			"token", token, "status", e.Status, "scim_type", e.Type, "error", err)
		writeError(w, e)
	})
}

func notImplemented(http.ResponseWriter, *http.Request) error {
	return &Error{Status: http.StatusNotImplemented, Detail: "Quell provisions users only: groups, bulk, /Me and POST .search are not supported"}
}

func methodNotAllowed(_ http.ResponseWriter, r *http.Request) error {
	return &Error{Status: http.StatusMethodNotAllowed, Detail: r.Method + " is not supported here"}
}

// readBody reads a JSON request body.
func readBody(r *http.Request) ([]byte, error) {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || (mt != "application/json" && mt != "application/scim+json") {
			return nil, errMediaType
		}
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		var maxErr *http.MaxBytesError
		if errors.As(err, &maxErr) {
			return nil, errTooLarge
		}
		return nil, scimError(400, typeInvalidSyntax, "the request body could not be read: %v", err)
	}
	return body, nil
}

// etag renders a KV revision as a weak entity tag: equal revisions are
// equal resources, though not byte-identical JSON.
func etag(rev uint64) string { return `W/"` + strconv.FormatUint(rev, 10) + `"` }

// etagMatches implements If-Match: empty or "*" matches any existing
// version; otherwise one of the listed tags, weak or strong, must be rev.
func etagMatches(header string, rev uint64) bool {
	header = strings.TrimSpace(header)
	if header == "" || header == "*" {
		return true
	}
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimPrefix(strings.TrimSpace(t), "W/")
		if strings.Trim(t, `"`) == strconv.FormatUint(rev, 10) {
			return true
		}
	}
	return false
}

func (h *Handler) location(r *http.Request, id string) string {
	base := h.cfg.BaseURL
	if base == "" {
		scheme := "http"
		if r.TLS != nil || strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https") {
			scheme = "https"
		}
		base = scheme + "://" + r.Host + Prefix
	}
	return strings.TrimSuffix(base, "/") + "/Users/" + id
}

func (h *Handler) writeUser(w http.ResponseWriter, r *http.Request, status int, rec record, rev uint64) {
	loc := h.location(r, rec.User.ID)
	w.Header().Set("ETag", etag(rev))
	if status == http.StatusCreated {
		w.Header().Set("Location", loc)
	}
	writeJSON(w, status, toWire(rec.User, loc, etag(rev)))
}

// notFound maps the directory's "no such user" to a SCIM 404.
func notFound(err error) error {
	if errors.Is(err, errNoRecord) {
		return errNotFound
	}
	return err
}
