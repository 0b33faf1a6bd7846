package beyondinsight

import (
	"context"
	"fmt"
	"net/http"
)

// session is one sign-in. Its cookie lives in the client's jar; the value
// only tells sign-ins apart (pam.Session compares the pointers), and the
// field keeps the type from being zero-size, whose pointers may all be
// equal.
type session struct {
	signedIn bool
}

// signIn opens a new session with POST Auth/SignAppin; pam.Session calls
// it, one at a time, when there is no session or the one in use got a 401.
func (c *Client) signIn(ctx context.Context) (*session, error) {
	_, err := c.roundTrip(ctx, request{
		method: http.MethodPost,
		path:   "Auth/SignAppin",
		header: http.Header{
			"Authorization": {c.authorization()},
			"Content-Type":  {"application/json"},
		},
	})
	if err != nil {
		return nil, fmt.Errorf("sign in to %s as %s: %w", c.cfg.Name, c.cfg.RunAs, err)
	}
	return &session{signedIn: true}, nil
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
	return c.session.End(ctx, func(s *session) error {
		if c.ownsHTTP {
			defer c.hc.CloseIdleConnections()
		}
		if s == nil {
			return nil
		}
		status, err := c.roundTrip(ctx, request{method: http.MethodPost, path: "Auth/Signout"})
		if err != nil && status != http.StatusUnauthorized {
			return fmt.Errorf("sign out of %s: %w", c.cfg.Name, err)
		}
		return nil
	})
}
