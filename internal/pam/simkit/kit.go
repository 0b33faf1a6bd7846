package simkit

import (
	"bytes"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"
)

// MaxRequestBody is the largest request body a simulator accepts (413 above),
// far beyond anything the vendor APIs take.
const MaxRequestBody = 1 << 20

// Options configures a [Kit]. The zero value serves every path at the root.
type Options struct {
	// Prefixes are the API base paths, e.g. "/BeyondTrust/api/public/v3";
	// routes are relative to whichever matches first (case-insensitively).
	// Requests under none of them get NotFound.
	Prefixes []string
	// MaxEntries bounds the request log (oldest dropped first); 0 means
	// [DefaultMaxEntries].
	MaxEntries int
	// Now is the clock for log timestamps; nil means [time.Now]. Simulators
	// pass the same clock they use for session expiry.
	Now func() time.Time
	// RedactAuthorization rewrites Authorization values before they are
	// logged; nil means [RedactAuthorization] (keep the scheme only).
	RedactAuthorization func(string) string
	// RedactBody rewrites request bodies before they are logged, for
	// requests that carry passwords; nil logs bodies as received.
	RedactBody func(string) string
	// NotFound answers requests no route matches; nil means a plain-text 404.
	NotFound http.HandlerFunc
	// OnRequest, when set, is called with every log entry (after the answer),
	// e.g. to write an access log.
	OnRequest func(Entry)
}

// Kit is a simulator's router, fault injector and request log. Register
// routes with Handle before serving; everything else is safe for concurrent
// use.
type Kit struct {
	opts     Options
	prefixes [][]string

	mu     sync.RWMutex
	routes []route
	faults []*activeFault
	log    []Entry
}

// New returns a [Kit] with no routes.
func New(opts Options) *Kit {
	if opts.MaxEntries <= 0 {
		opts.MaxEntries = DefaultMaxEntries
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.RedactAuthorization == nil {
		opts.RedactAuthorization = RedactAuthorization
	}
	if opts.NotFound == nil {
		opts.NotFound = func(w http.ResponseWriter, _ *http.Request) {
			http.Error(w, "not found", http.StatusNotFound)
		}
	}
	k := &Kit{opts: opts}
	for _, p := range opts.Prefixes {
		k.prefixes = append(k.prefixes, splitPath(p))
	}
	return k
}

// Now returns the time by the [Kit]'s clock.
func (k *Kit) Now() time.Time { return k.opts.Now() }

// Handle registers h for spec, a "METHOD path" pattern such as
// "POST Users/{id}/Quarantine". An invalid pattern panics.
func (k *Kit) Handle(spec string, h HandlerFunc) {
	p, err := parsePattern(spec, false)
	if err != nil {
		panic(err)
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	k.routes = append(k.routes, route{pattern: p, handler: h})
}

// ServeHTTP logs the request, applies any injected fault, and otherwise
// dispatches to the matching route.
//
// The log entry is recorded as the status is written, before any byte of
// the answer reaches the client (and before a dropped connection closes), so
// a client that has its answer always finds the request in the log.
func (k *Kit) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	e := Entry{Time: k.opts.Now(), Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery, Header: k.logHeaders(r.Header)}
	segs, inAPI := stripPrefix(splitPath(r.URL.Path), k.prefixes)
	if !inAPI {
		segs = splitPath(r.URL.Path)
	}
	e.RelPath = strings.Join(segs, "/")
	recorded := false
	finish := func(status int) {
		if !recorded {
			recorded = true
			e.Status, e.Duration = status, time.Since(start)
			k.record(e)
		}
	}
	rec := &recorder{ResponseWriter: w, onStatus: finish}
	defer finish(0) // nothing was answered: dropped, or the client went away

	body, err := io.ReadAll(http.MaxBytesReader(rec, r.Body, MaxRequestBody))
	e.Body = k.logBody(body)
	if err != nil {
		http.Error(rec, "request body too large or unreadable", http.StatusRequestEntityTooLarge)
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(body))

	lose := false
	if f, ok := k.takeFault(r.Method, segs); ok {
		e.Fault, lose = true, f.LoseAnswer
		if !f.wait(r) {
			return
		}
		if f.Drop {
			finish(0)
			drop(w)
			return
		}
		if f.answer(rec) {
			return
		}
	}
	if !inAPI {
		k.opts.NotFound(rec, r)
		return
	}
	k.mu.RLock()
	routes := k.routes
	k.mu.RUnlock()
	if lose {
		lost := &recorder{ResponseWriter: discard{header: http.Header{}}, onStatus: finish}
		dispatch(routes, k.opts.NotFound, lost, r, segs)
		finish(http.StatusOK)
		drop(w)
		return
	}
	dispatch(routes, k.opts.NotFound, rec, r, segs)
	finish(http.StatusOK) // the handler wrote nothing: net/http answers 200
}

// discard is where a LoseAnswer fault's answer goes.
type discard struct{ header http.Header }

func (d discard) Header() http.Header         { return d.header }
func (d discard) Write(b []byte) (int, error) { return len(b), nil }
func (d discard) WriteHeader(int)             {}

func (k *Kit) logBody(b []byte) string {
	if len(b) > MaxLoggedBody {
		b = b[:MaxLoggedBody]
	}
	s := string(b)
	if k.opts.RedactBody != nil && s != "" {
		s = k.opts.RedactBody(s)
	}
	return s
}

// recorder reports the first status written, for the log.
type recorder struct {
	http.ResponseWriter
	onStatus func(int)
	wrote    bool
}

// WriteHeader reports the first status written, then passes it on.
func (r *recorder) WriteHeader(code int) {
	r.report(code)
	r.ResponseWriter.WriteHeader(code)
}

// Write reports an implicit 200 when no status was written first.
func (r *recorder) Write(b []byte) (int, error) {
	r.report(http.StatusOK)
	return r.ResponseWriter.Write(b)
}

func (r *recorder) report(code int) {
	if !r.wrote {
		r.wrote = true
		r.onStatus(code)
	}
}

// Unwrap lets [http.ResponseController] reach the connection (to hijack it
// for a dropped-connection fault, or to flush).
func (r *recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }
