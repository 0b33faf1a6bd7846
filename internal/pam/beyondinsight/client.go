package beyondinsight

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"slices"
	"strings"

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
	// session is the API session, signed in on first use and again after
	// a 401 (see [pam.Session]); its cookie lives in hc's jar.
	session *pam.Session[session]
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
		cfg:  cfg,
		base: base,
		classify: pam.ClassifyOptions{
			RetryAfterCeiling: cfg.RetryAfterCeiling,
			Redact:            []secret.Secret{cfg.APIKey, cfg.Password, cfg.ClientSecret},
		},
	}
	c.session = pam.NewSession(cfg.Name, "sign in", "signing in", c.signIn)
	// A copy of a given client: setting our jar must not touch the caller's.
	c.hc, c.ownsHTTP = pam.ClientFor(cfg.HTTPClient, cfg.Name, cfg.Timeout)
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
func (c *Client) Supports(k actions.Kind) bool { return handlers.Supports(k) }

// Execute carries out a. Unsupported kinds are refused before any request;
// a dry run sends nothing and reports the calls it would make (see
// [pam.Handlers]). The executor serializes actions on one user across
// replicas ([actions.Locker]), so each read-before-write check sees the
// others' effects.
func (c *Client) Execute(ctx context.Context, a actions.Action) (actions.Outcome, error) {
	return handlers.Execute(ctx, c, Kind, a)
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
	// form, when non-nil, is sent instead as an
	// application/x-www-form-urlencoded body: the OAuth token request only,
	// whose form carries the client secret (never recorded in an Outcome).
	form url.Values
	// redact lists credentials of this request alone (a bearer token) to
	// scrub from an error answer, besides the configured ones.
	redact []secret.Secret
	// out, when non-nil, is decoded from a 2xx answer (see decodeAnswer:
	// a shape other than the one asked for is a permanent error).
	out any
	// versioned sends ?version=<api_version>. Only endpoints whose
	// documented shape depends on the version take it; none Quell calls
	// does (see docs/targets.md), so no request sets it today.
	versioned bool
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
// goroutine that saw the same 401) and repeats r once (see [pam.Session]).
func (c *Client) call(ctx context.Context, r request) (int, error) {
	status, err := c.session.Call(ctx, func(*session) (int, error) { return c.roundTrip(ctx, r) })
	return status, pam.MarkUnanswered(r.planned(), status, err)
}

// roundTrip sends r once and classifies the result. The status is 0 when no
// answer arrived.
func (c *Client) roundTrip(ctx context.Context, r request) (int, error) {
	var body io.Reader
	contentType := "application/json"
	switch {
	case r.form != nil:
		body, contentType = strings.NewReader(r.form.Encode()), "application/x-www-form-urlencoded"
	case r.body != nil:
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
		req.Header.Set("Content-Type", contentType)
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", userAgent)
	for k, v := range r.header {
		req.Header[k] = v
	}
	opts := c.classify
	if len(r.redact) > 0 {
		opts.Redact = append(slices.Clone(opts.Redact), r.redact...)
	}
	return pam.Send(c.hc, req, opts, func(resp *http.Response) error {
		if r.raw != nil {
			b, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBody))
			if err != nil {
				// The error is the transport's, never the answer's content.
				return actions.Transient(fmt.Errorf("%s %s: read answer: %w", r.method, req.URL.Path, err), 0)
			}
			*r.raw = b
		}
		if r.out == nil {
			return nil
		}
		b, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBody))
		if err != nil {
			return actions.Transient(fmt.Errorf("%s %s: read answer: %w", r.method, req.URL.Path, err), 0)
		}
		if err := decodeAnswer(b, r.out); err != nil {
			wrapped := fmt.Errorf("%s %s: %w", r.method, req.URL.Path, err)
			if isShapeError(err) {
				return actions.Permanent(wrapped)
			}
			return actions.Transient(wrapped, 0)
		}
		return nil
	})
}

func (c *Client) endpoint(r request) string {
	u := *c.base
	u.Path = c.base.Path + "/" + r.path
	q := url.Values{}
	for k, v := range r.query {
		q[k] = v
	}
	if r.versioned && c.cfg.APIVersion != "" {
		q.Set("version", c.cfg.APIVersion)
	}
	u.RawQuery = q.Encode()
	return u.String()
}
