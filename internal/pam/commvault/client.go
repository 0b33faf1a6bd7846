package commvault

import (
	"context"
	"fmt"
	"net/http"
	"net/url"

	"github.com/quell-dev/quell/internal/actions"
	"github.com/quell-dev/quell/internal/pam"
)

// Client is a Commvault target. It is safe for concurrent use by many
// goroutines, which share one login token.
type Client struct {
	cfg      Config
	base     *url.URL
	hc       *http.Client
	ownsHTTP bool
	// session is the login, made on first use and again after a 401 (see
	// [pam.Session]); it holds the token in use.
	session *pam.Session[session]
	// domains are the equivalent domain names of cfg.DomainAliases.
	domains domains
}

var _ actions.Target = (*Client)(nil)

// New validates cfg and returns a client. It makes no request: the client
// logs in on first use.
func New(cfg Config) (*Client, error) {
	base, err := cfg.validate()
	if err != nil {
		return nil, err
	}
	c := &Client{cfg: cfg, base: base, domains: newDomains(cfg.DomainAliases)}
	c.session = pam.NewSession(cfg.Name, "log in", "logging in", c.openSession)
	c.hc, c.ownsHTTP = pam.ClientFor(cfg.HTTPClient, cfg.Name, cfg.Timeout)
	return c, nil
}

// Name is the target's configured name.
func (c *Client) Name() string { return c.cfg.Name }

// Kind is "commvault".
func (c *Client) Kind() string { return Kind }

// Supports reports whether this client implements k (see the package-level
// [Supports]).
func (c *Client) Supports(k actions.Kind) bool { return Supports(k) }

// Format prints the client as its name, base URL and login user only,
// for logs that name the client. (fmt would print the unexported fields
// raw; that is safe, as [secret.Secret] keeps its value behind a pointer,
// but unreadable.)
func (c *Client) Format(f fmt.State, _ rune) {
	_, _ = fmt.Fprintf(f, "commvault.Client{name: %q, base_url: %q, username: %q}", c.cfg.Name, c.base.String(), c.cfg.Username)
}

// String is the same text as Format.
func (c *Client) String() string { return fmt.Sprint(c) }

// Execute carries out a. Unsupported kinds and bad parameters are refused
// before any request; a dry run sends nothing and reports the calls it
// would make (see [pam.Handlers]). The executor serializes actions on one
// user ([actions.Locker]), so each read-before-write check sees the others'
// effects.
func (c *Client) Execute(ctx context.Context, a actions.Action) (actions.Outcome, error) {
	return handlers.Execute(ctx, c, Kind, a)
}
