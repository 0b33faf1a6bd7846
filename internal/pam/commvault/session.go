package commvault

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"unicode"

	"github.com/quell-dev/quell/internal/actions"
	"github.com/quell-dev/quell/internal/secret"
)

// session is one login: the token the API returned, sent verbatim as the
// Authtoken header (it already carries its "QSDK " prefix).
type session struct {
	token secret.Secret
}

// loginBody is the documented JSON body of POST Login. The password is
// Base64 of its UTF-8 bytes, as the API requires.
type loginBody struct {
	Domain   string `json:"domain,omitempty"`
	Username string `json:"username"`
	Password string `json:"password"`
}

// loginAnswer is the part of the login answer Quell reads. Success carries
// token and userName; a refusal still answers 200, with errList.
type loginAnswer struct {
	Token           string `json:"token"`
	UserName        string `json:"userName"`
	IsAccountLocked bool   `json:"isAccountLocked"`
	ErrList         []struct {
		ErrorCode     int    `json:"errorCode"`
		ErrLogMessage string `json:"errLogMessage"`
	} `json:"errList"`
}

// ensureSession returns the current session, logging in when there is
// none. The fast path is one atomic load.
func (c *Client) ensureSession(ctx context.Context) (*session, error) {
	if s := c.current.Load(); s != nil {
		return s, nil
	}
	return c.relogin(ctx, nil)
}

// relogin logs in unless another goroutine already replaced the session
// `stale` (the one the caller saw fail) while we waited for our turn: then
// that newer session is used, so a burst of 401s costs one login.
func (c *Client) relogin(ctx context.Context, stale *session) (*session, error) {
	if err := c.acquire(ctx); err != nil {
		return nil, err
	}
	defer c.release()
	if s := c.current.Load(); s != nil && s != stale {
		return s, nil
	}
	c.current.Store(nil)
	token, err := c.login(ctx)
	if err != nil {
		return nil, fmt.Errorf("log in to %s as %s: %w", c.cfg.Name, c.cfg.Username, err)
	}
	s := &session{token: token}
	c.current.Store(s)
	return s, nil
}

// login sends POST Login. Every refusal is permanent: retrying a wrong
// password on a backoff schedule would only lock the service account.
func (c *Client) login(ctx context.Context) (secret.Secret, error) {
	domain, user := c.cfg.loginNames()
	var ans loginAnswer
	_, err := c.roundTrip(ctx, request{
		method: http.MethodPost,
		path:   "Login",
		body:   loginBody{Domain: domain, Username: user, Password: encodedPassword(c.cfg.Password).Reveal()},
		out:    &ans,
	}, secret.Secret{})
	if err != nil {
		return secret.Secret{}, err
	}
	if len(ans.ErrList) > 0 {
		e := ans.ErrList[0]
		msg := fmt.Sprintf("login refused: %s (errorCode %d)", strings.TrimSpace(e.ErrLogMessage), e.ErrorCode)
		if ans.IsAccountLocked {
			msg += "; the account is locked"
		}
		return secret.Secret{}, actions.Permanent(errors.New(msg))
	}
	if ans.Token == "" || strings.ContainsFunc(ans.Token, unicode.IsControl) {
		return secret.Secret{}, actions.Permanent(errors.New("login answer carries no usable token"))
	}
	return secret.New(ans.Token), nil
}

// encodedPassword is the password as the login body carries it. It is a
// secret too: Base64 is an encoding, not a protection.
func encodedPassword(p secret.Secret) secret.Secret {
	if p.IsZero() {
		return secret.Secret{}
	}
	return secret.New(base64.StdEncoding.EncodeToString([]byte(p.Reveal())))
}

// Close logs out with POST Logout, so the token stops working at once
// instead of after 30 idle minutes, and releases idle connections. A token
// that already expired (401) is not an error. The client stays usable: a
// later call logs in again.
func (c *Client) Close(ctx context.Context) error {
	if err := c.acquire(ctx); err != nil {
		return err
	}
	defer c.release()
	if c.ownsHTTP {
		defer c.hc.CloseIdleConnections()
	}
	s := c.current.Swap(nil)
	if s == nil {
		return nil
	}
	// The answer is the text "User logged out"; the status is the contract.
	status, err := c.roundTrip(ctx, request{method: http.MethodPost, path: "Logout"}, s.token)
	if err != nil && status != http.StatusUnauthorized {
		return fmt.Errorf("log out of %s: %w", c.cfg.Name, err)
	}
	return nil
}

func (c *Client) acquire(ctx context.Context) error {
	select {
	case c.loginSem <- struct{}{}:
		return nil
	case <-ctx.Done():
		return actions.Transient(fmt.Errorf("wait to log in to %s: %w", c.cfg.Name, ctx.Err()), 0)
	}
}

func (c *Client) release() { <-c.loginSem }

// currentToken is the token in use, zero when logged out.
func (c *Client) currentToken() secret.Secret {
	if s := c.current.Load(); s != nil {
		return s.token
	}
	return secret.Secret{}
}
