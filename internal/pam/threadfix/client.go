package threadfix

import (
	"context"
	"fmt"
	"net/http"
	"net/url"

	"github.com/quell-dev/quell/internal/actions"
	"github.com/quell-dev/quell/internal/pam"
	"github.com/quell-dev/quell/internal/secret"
)

// Client is a ThreadFix target. The API is stateless (every request carries
// the key), so a Client is safe for concurrent use and holds no session.
type Client struct {
	cfg      Config
	base     *url.URL
	hc       *http.Client
	ownsHTTP bool
	classify pam.ClassifyOptions
}

var _ actions.Target = (*Client)(nil)

// New validates cfg, listing every problem at once, and returns a client.
// It makes no request.
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
			Redact:            []secret.Secret{cfg.APIKey},
		},
	}
	if cfg.HTTPClient != nil {
		hc := *cfg.HTTPClient // a copy: the caller's client stays as it was
		c.hc = &hc
	} else {
		c.hc, c.ownsHTTP = pam.NewHTTPClient(cfg.Name, cfg.Timeout), true
	}
	return c, nil
}

// Name is the target's configured name.
func (c *Client) Name() string { return c.cfg.Name }

// Kind is "threadfix".
func (c *Client) Kind() string { return Kind }

// Supports reports whether this client implements k (see the package-level
// Supports).
func (c *Client) Supports(k actions.Kind) bool { return Supports(k) }

// Execute carries out a. Unsupported kinds and invalid parameters are
// refused before any request; a dry run sends nothing and reports the calls
// it would make. The executor serializes actions on one user across
// replicas (actions.Locker), so each read-before-write sees the others'
// effects.
func (c *Client) Execute(ctx context.Context, a actions.Action) (actions.Outcome, error) {
	h, ok := handlers[a.Kind]
	if !ok {
		return actions.Outcome{}, actions.Unsupported(Kind, a.Kind)
	}
	if a.User.IsZero() {
		return actions.Outcome{}, actions.Permanent(fmt.Errorf("%s: no user identifier given", a.Kind))
	}
	if err := h.check(a); err != nil {
		return actions.Outcome{}, err
	}
	if a.DryRun {
		return actions.Outcome{Status: actions.StatusSkipped, Reason: "dry run", Calls: h.plan(a)}, nil
	}
	return h.run(c, ctx, a)
}

// Close releases idle connections. The API has no session to end, so there
// is nothing to send; a Client stays usable after Close. A caller-supplied
// HTTPClient is left alone, as its transport may be shared.
func (c *Client) Close(context.Context) error {
	if c.ownsHTTP {
		c.hc.CloseIdleConnections()
	}
	return nil
}

// String names the client without its key, for %v and %+v.
func (c *Client) String() string {
	return fmt.Sprintf("threadfix.Client{name: %q, base_url: %q}", c.cfg.Name, c.base.String())
}

// GoString is String, so that %#v does not print the configuration either.
func (c *Client) GoString() string { return c.String() }
