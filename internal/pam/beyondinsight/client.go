package beyondinsight

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"sync/atomic"

	"github.com/quell-dev/quell/internal/actions"
	"github.com/quell-dev/quell/internal/pam"
	"github.com/quell-dev/quell/internal/secret"
)

// maxResponseBody bounds a decoded answer; a user lookup is a few hundred
// bytes, so anything near this is not an answer we asked for.
const maxResponseBody = 8 << 20

// userAgent names Quell in the vendor's web server logs.
const userAgent = "quell-beyondinsight"

// Client is a BeyondInsight target. It is safe for concurrent use by many
// goroutines, which share one API session.
type Client struct {
	cfg      Config
	base     *url.URL
	hc       *http.Client
	ownsHTTP bool
	classify pam.ClassifyOptions

	// signInSem admits one sign-in (or sign-out) at a time; a channel rather
	// than a mutex so a waiting caller still honours its context.
	signInSem chan struct{}
	// session is the generation of the current session: 0 when signed out,
	// otherwise bumped on every successful sign-in. It tells a goroutine that
	// got a 401 whether someone else has already signed in again.
	session atomic.Uint64
	// signIns counts successful sign-ins; guarded by signInSem.
	signIns uint64
}

var _ actions.Target = (*Client)(nil)

// New validates cfg and returns a client. It makes no request: the client
// signs in on first use.
func New(cfg Config) (*Client, error) {
	base, err := cfg.validate()
	if err != nil {
		return nil, err
	}
	c := &Client{
		cfg:       cfg,
		base:      base,
		signInSem: make(chan struct{}, 1),
		classify: pam.ClassifyOptions{
			RetryAfterCeiling: cfg.RetryAfterCeiling,
			Redact:            []secret.Secret{cfg.APIKey, cfg.Password},
		},
	}
	if cfg.HTTPClient != nil {
		hc := *cfg.HTTPClient // a copy: setting our jar must not touch the caller's client
		c.hc = &hc
	} else {
		c.hc, c.ownsHTTP = pam.NewHTTPClient(cfg.Name, cfg.Timeout), true
	}
	if c.hc.Jar == nil {
		jar, err := cookiejar.New(nil)
		if err != nil {
			return nil, fmt.Errorf("beyondinsight target %q: cookie jar: %w", cfg.Name, err)
		}
		c.hc.Jar = jar
	}
	return c, nil
}

// Name is the target's configured name.
func (c *Client) Name() string { return c.cfg.Name }

// Kind is "beyondinsight".
func (c *Client) Kind() string { return Kind }

// Supports reports whether this client implements k.
func (c *Client) Supports(k actions.Kind) bool {
	_, ok := handlers[k]
	return ok
}

// Execute carries out a. Unsupported kinds are refused before any request;
// a dry run sends nothing and reports the calls it would make. The
// executor serializes actions on one user across replicas (actions.Locker),
// so each read-before-write check sees the others' effects.
func (c *Client) Execute(ctx context.Context, a actions.Action) (actions.Outcome, error) {
	h, ok := handlers[a.Kind]
	if !ok {
		return actions.Outcome{}, actions.Unsupported(Kind, a.Kind)
	}
	if a.User.IsZero() {
		return actions.Outcome{}, actions.Permanent(fmt.Errorf("%s: no user identifier given", a.Kind))
	}
	// Parameters are checked before the dry-run shortcut too, so that a
	// rehearsal of an action that would be refused is refused as well.
	if h.check != nil {
		if err := h.check(a); err != nil {
			return actions.Outcome{}, err
		}
	}
	if a.DryRun {
		return actions.Outcome{Status: actions.StatusSkipped, Reason: "dry run", Calls: h.plan(a)}, nil
	}
	return h.run(c, ctx, a)
}

// request is one API call, relative to BaseURL.
type request struct {
	method string
	path   string // e.g. "Users/12/Quarantine"
	query  url.Values
	header http.Header
	// body, when non-nil, is sent JSON-encoded. It is encoded afresh on each
	// attempt, so the repeat after a re-sign-in carries it too.
	body any
	out  any // decoded from a 2xx JSON answer when non-nil
	// raw, when non-nil, receives a 2xx answer's bytes undecoded: for an
	// answer carrying a secret, where a decoder's syntax error could quote
	// part of it.
	raw *[]byte
}

// display is the request as recorded in an Outcome: relative path and the
// query we chose, without the API version noise.
func (r request) display() string {
	if len(r.query) == 0 {
		return r.path
	}
	return r.path + "?" + r.query.Encode()
}

// sent is r as an Outcome records a write that was made: method, path,
// status and the body (which never holds a secret: no action sends one).
func (r request) sent(status int) actions.Call {
	return actions.Call{Method: r.method, Path: r.display(), Status: status, Body: r.body}
}

// planned is r as a dry run reports it: not sent, so no status.
func (r request) planned() actions.Call {
	return actions.Call{Method: r.method, Path: r.display(), Body: r.body}
}

// call sends r within the session, signing in first if needed. A 401 means
// the session ended: it signs in again (once, shared with any other
// goroutine that saw the same 401) and repeats r once.
func (c *Client) call(ctx context.Context, r request) (int, error) {
	gen, err := c.ensureSession(ctx)
	if err != nil {
		return 0, err
	}
	status, err := c.roundTrip(ctx, r)
	if status != http.StatusUnauthorized {
		return status, err
	}
	if _, err := c.signIn(ctx, gen); err != nil {
		return 0, err
	}
	status, err = c.roundTrip(ctx, r)
	if status == http.StatusUnauthorized {
		return status, fmt.Errorf("still unauthorized after signing in again: %w", err)
	}
	return status, err
}

// roundTrip sends r once and classifies the result. The status is 0 when no
// answer arrived.
func (c *Client) roundTrip(ctx context.Context, r request) (int, error) {
	var body io.Reader
	if r.body != nil {
		b, err := json.Marshal(r.body)
		if err != nil {
			return 0, actions.Permanent(fmt.Errorf("build %s %s: encode body: %w", r.method, r.path, err))
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, r.method, c.endpoint(r), body)
	if err != nil {
		return 0, actions.Permanent(fmt.Errorf("build %s %s: %w", r.method, r.path, err))
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", userAgent)
	for k, v := range r.header {
		req.Header[k] = v
	}
	resp, err := c.hc.Do(req)
	if resp != nil {
		defer pam.DrainAndClose(resp.Body)
	}
	if err := pam.Classify(req, resp, err, c.classify); err != nil {
		status := 0
		if resp != nil {
			status = resp.StatusCode
		}
		return status, err
	}
	if r.raw != nil {
		b, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBody))
		if err != nil {
			// The error is the transport's, never the answer's content.
			return resp.StatusCode, actions.Transient(fmt.Errorf("%s %s: read answer: %w", r.method, req.URL.Path, err), 0)
		}
		*r.raw = b
	}
	if r.out != nil {
		if err := json.NewDecoder(io.LimitReader(resp.Body, maxResponseBody)).Decode(r.out); err != nil {
			// Most likely a cut-off answer; a read is safe to repeat.
			return resp.StatusCode, actions.Transient(fmt.Errorf("%s %s: decode answer: %w", r.method, req.URL.Path, err), 0)
		}
	}
	return resp.StatusCode, nil
}

func (c *Client) endpoint(r request) string {
	u := *c.base
	u.Path = c.base.Path + "/" + r.path
	q := url.Values{}
	for k, v := range r.query {
		q[k] = v
	}
	if c.cfg.APIVersion != "" {
		q.Set("version", c.cfg.APIVersion)
	}
	u.RawQuery = q.Encode()
	return u.String()
}

// isStatus reports whether err carries an HTTP answer with that status.
func isStatus(err error, code int) bool {
	var se *pam.StatusError
	return errors.As(err, &se) && se.StatusCode == code
}
