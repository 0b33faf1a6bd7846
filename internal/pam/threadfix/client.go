package threadfix

import (
	"context"
	"net/http"
	"net/url"

	"github.com/quell-dev/quell/internal/actions"
	"github.com/quell-dev/quell/internal/pam"
	"github.com/quell-dev/quell/internal/secret"
)

// Client is a ThreadFix target. The API is stateless (every request carries
// the key), so a Client is safe for concurrent use and holds no session.
//
// Formatting a Client with fmt (%v, %+v, %#v) shows no credential: the key
// is a [secret.Secret], which keeps its value behind a pointer that fmt
// prints as an address.
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
	// A copy of a given client: the caller's client stays as it was.
	c.hc, c.ownsHTTP = pam.ClientFor(cfg.HTTPClient, cfg.Name, cfg.Timeout)
	return c, nil
}

// Name is the target's configured name.
func (c *Client) Name() string { return c.cfg.Name }

// Kind is "threadfix".
func (c *Client) Kind() string { return Kind }

// Supports reports whether this client implements k (see the package-level
// [Supports]).
func (c *Client) Supports(k actions.Kind) bool { return Supports(k) }

// Execute carries out a. Unsupported kinds and invalid parameters are
// refused before any request; a dry run sends nothing and reports the calls
// it would make (see [pam.Handlers]). The executor serializes actions on one
// user across replicas ([actions.Locker]), so each read-before-write sees the
// others' effects.
func (c *Client) Execute(ctx context.Context, a actions.Action) (actions.Outcome, error) {
	return handlers.Execute(ctx, c, Kind, a)
}

// Close releases idle connections. The API has no session to end, so there
// is nothing to send; a [Client] stays usable after Close. A caller-supplied
// HTTPClient is left alone, as its transport may be shared.
func (c *Client) Close(context.Context) error {
	if c.ownsHTTP {
		c.hc.CloseIdleConnections()
	}
	return nil
}
