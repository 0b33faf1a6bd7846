package commvault

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"sync/atomic"

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

	// loginSem admits one login (or logout) at a time; a channel rather
	// than a mutex so a waiting caller still honours its context.
	loginSem chan struct{}
	// current is the token in use, nil when logged out. A goroutine that got
	// a 401 with token t logs in again only if current is still t: whoever
	// replaced it already did the work.
	current atomic.Pointer[session]
}

var _ actions.Target = (*Client)(nil)

// New validates cfg and returns a client. It makes no request: the client
// logs in on first use.
func New(cfg Config) (*Client, error) {
	base, err := cfg.validate()
	if err != nil {
		return nil, err
	}
	c := &Client{cfg: cfg, base: base, loginSem: make(chan struct{}, 1)}
	if cfg.HTTPClient != nil {
		c.hc = cfg.HTTPClient
	} else {
		c.hc, c.ownsHTTP = pam.NewHTTPClient(cfg.Name, cfg.Timeout), true
	}
	return c, nil
}

// Name is the target's configured name.
func (c *Client) Name() string { return c.cfg.Name }

// Kind is "commvault".
func (c *Client) Kind() string { return Kind }

// Supports reports whether this client implements k (see the package-level
// Supports).
func (c *Client) Supports(k actions.Kind) bool { return Supports(k) }

// Format prints the client as its name, base URL and login user only. The
// fields hold the password and the live token, and fmt would print
// unexported fields raw, bypassing secret.Secret's own redaction.
func (c *Client) Format(f fmt.State, _ rune) {
	_, _ = fmt.Fprintf(f, "commvault.Client{name: %q, base_url: %q, username: %q}", c.cfg.Name, c.base.String(), c.cfg.Username)
}

// String is the same text as Format.
func (c *Client) String() string { return fmt.Sprint(c) }

// Execute carries out a. Unsupported kinds and bad parameters are refused
// before any request; a dry run sends nothing and reports the calls it
// would make. The executor serializes actions on one user
// (actions.Locker), so each read-before-write check sees the others'
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
