package beyondinsight

import (
	"context"
	"fmt"
	"net/http"

	"github.com/quell-dev/quell/internal/actions"
)

// ensureSession returns the current session generation, signing in when
// there is none. The fast path is one atomic load.
func (c *Client) ensureSession(ctx context.Context) (uint64, error) {
	if gen := c.session.Load(); gen != 0 {
		return gen, nil
	}
	return c.signIn(ctx, 0)
}

// signIn opens a new session unless another goroutine already replaced the
// session `stale` (the one the caller saw fail) while we waited for our turn:
// then that newer session is used, so a burst of 401s costs one sign-in.
func (c *Client) signIn(ctx context.Context, stale uint64) (uint64, error) {
	if err := c.acquire(ctx); err != nil {
		return 0, err
	}
	defer c.release()
	if gen := c.session.Load(); gen != 0 && gen != stale {
		return gen, nil
	}
	c.session.Store(0)
	_, err := c.roundTrip(ctx, request{
		method: http.MethodPost,
		path:   "Auth/SignAppin",
		header: http.Header{
			"Authorization": {c.authorization()},
			"Content-Type":  {"application/json"},
		},
	})
	if err != nil {
		return 0, fmt.Errorf("sign in to %s as %s: %w", c.cfg.Name, c.cfg.RunAs, err)
	}
	c.signIns++
	c.session.Store(c.signIns)
	return c.signIns, nil
}

// authorization builds the PS-Auth header value. It is the one place the
// key and password are revealed, and the value is never stored or logged.
func (c *Client) authorization() string {
	v := "PS-Auth key=" + c.cfg.APIKey.Reveal() + "; runas=" + c.cfg.RunAs + ";"
	if !c.cfg.Password.IsZero() {
		v += " pwd=[" + c.cfg.Password.Reveal() + "];"
	}
	return v
}

// Close ends the session with POST Auth/Signout, as the API asks clients to
// do, and releases idle connections. A session that already expired (401)
// is not an error. The client stays usable: a later call signs in again.
func (c *Client) Close(ctx context.Context) error {
	if err := c.acquire(ctx); err != nil {
		return err
	}
	defer c.release()
	if c.ownsHTTP {
		defer c.hc.CloseIdleConnections()
	}
	if c.session.Load() == 0 {
		return nil
	}
	c.session.Store(0)
	status, err := c.roundTrip(ctx, request{method: http.MethodPost, path: "Auth/Signout"})
	if err != nil && status != http.StatusUnauthorized {
		return fmt.Errorf("sign out of %s: %w", c.cfg.Name, err)
	}
	return nil
}

func (c *Client) acquire(ctx context.Context) error {
	select {
	case c.signInSem <- struct{}{}:
		return nil
	case <-ctx.Done():
		return actions.Transient(fmt.Errorf("wait to sign in to %s: %w", c.cfg.Name, ctx.Err()), 0)
	}
}

func (c *Client) release() { <-c.signInSem }
