package simkit

import (
	"net/http"
	"strings"
	"time"
)

// Entry is one request as a simulator saw it, with credentials redacted.
type Entry struct {
	// Time is when the request arrived (by the simulator's clock).
	Time   time.Time
	Method string
	// Path is the URL path as received; RelPath is the same without the API
	// prefix and surrounding slashes ("Users/12/Quarantine"), or the whole
	// path without slashes when no prefix matched.
	Path    string
	RelPath string
	Query   string
	// Header holds the logged headers (see loggedHeaders); Authorization and
	// Cookie values are redacted.
	Header http.Header
	// Body is the first [MaxLoggedBody] bytes of the request body.
	Body string
	// Status is the status answered; 0 when the connection was dropped or
	// the client went away first.
	Status int
	// Fault reports that an injected fault delayed or answered the request.
	Fault bool
	// Duration runs from arrival until the status was written (or the
	// connection dropped); the entry is logged at that moment.
	Duration time.Duration
}

// MaxLoggedBody bounds the request body kept in an [Entry].
const MaxLoggedBody = 4 << 10

// DefaultMaxEntries bounds the request log when [Options.MaxEntries] is 0, so
// a long-running simulator does not grow without limit.
const DefaultMaxEntries = 10000

// loggedHeaders are the request headers worth asserting on; others are not
// kept, to keep the log small and free of surprises.
var loggedHeaders = []string{"Authorization", "Cookie", "Content-Type", "Accept", "User-Agent", "Traceparent"}

// RedactAuthorization keeps only the scheme of an Authorization value
// ("PS-Auth [REDACTED]"). It is the default [Options.RedactAuthorization].
func RedactAuthorization(v string) string {
	scheme, _, _ := strings.Cut(strings.TrimSpace(v), " ")
	if scheme == "" {
		return "[REDACTED]"
	}
	return scheme + " [REDACTED]"
}

// redactCookie keeps the cookie names (tests assert a session cookie was
// sent) and drops the values, which are session credentials.
func redactCookie(v string) string {
	parts := strings.Split(v, ";")
	for i, p := range parts {
		name, _, _ := strings.Cut(strings.TrimSpace(p), "=")
		parts[i] = name + "=[REDACTED]"
	}
	return strings.Join(parts, "; ")
}

func (k *Kit) logHeaders(h http.Header) http.Header {
	out := http.Header{}
	for _, name := range loggedHeaders {
		for _, v := range h.Values(name) {
			switch name {
			case "Authorization":
				v = k.opts.RedactAuthorization(v)
			case "Cookie":
				v = redactCookie(v)
			}
			out.Add(name, v)
		}
	}
	return out
}

func (k *Kit) record(e Entry) {
	k.mu.Lock()
	k.log = append(k.log, e)
	// Trimmed back to MaxEntries once it holds twice as many, not on every
	// request: copying the whole log per request past MaxEntries made the
	// simulators' cost per request grow with it (quell-perf). Requests
	// shows only the newest MaxEntries.
	if len(k.log) >= 2*k.opts.MaxEntries {
		k.log = append(k.log[:0:0], k.log[len(k.log)-k.opts.MaxEntries:]...)
	}
	hook := k.opts.OnRequest
	k.mu.Unlock()
	if hook != nil {
		hook(e)
	}
}

// Requests returns a copy of the request log, oldest first (in the order the
// answers started).
func (k *Kit) Requests() []Entry {
	k.mu.Lock()
	defer k.mu.Unlock()
	newest := k.log[max(0, len(k.log)-k.opts.MaxEntries):]
	out := make([]Entry, len(newest))
	copy(out, newest)
	return out
}

// ResetLog empties the request log.
func (k *Kit) ResetLog() {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.log = nil
}

// Calls counts logged requests whose method equals method ("" or "*" for
// any) and whose RelPath starts with pathPrefix, both case-insensitively:
// Calls("POST", "Auth/SignAppin").
func (k *Kit) Calls(method, pathPrefix string) int {
	prefix := strings.ToLower(strings.Trim(pathPrefix, "/"))
	n := 0
	for _, e := range k.Requests() {
		if method != "" && method != "*" && !strings.EqualFold(method, e.Method) {
			continue
		}
		if strings.HasPrefix(strings.ToLower(e.RelPath), prefix) {
			n++
		}
	}
	return n
}

// Count counts logged requests matching a route pattern exactly, e.g.
// Count("POST Users/{id}/Quarantine"); the method may be "*". An invalid
// pattern panics.
func (k *Kit) Count(route string) int {
	p, err := parsePattern(route, true)
	if err != nil {
		panic(err)
	}
	n := 0
	for _, e := range k.Requests() {
		if _, ok := p.match(e.Method, splitPath(e.RelPath)); ok {
			n++
		}
	}
	return n
}
