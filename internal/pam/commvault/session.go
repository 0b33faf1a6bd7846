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

// openSession logs in (see login); [pam.Session] calls it, one at a time,
// when there is no token or the one in use got a 401.
func (c *Client) openSession(ctx context.Context) (*session, error) {
	token, err := c.login(ctx)
	if err != nil {
		return nil, fmt.Errorf("log in to %s as %s: %w", c.cfg.Name, c.cfg.Username, err)
	}
	return &session{token: token}, nil
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
	return c.session.End(ctx, func(s *session) error {
		if c.ownsHTTP {
			defer c.hc.CloseIdleConnections()
		}
		if s == nil {
			return nil
		}
		// The answer is the text "User logged out"; the status is the contract.
		status, err := c.roundTrip(ctx, request{method: http.MethodPost, path: "Logout"}, s.token)
		if err != nil && status != http.StatusUnauthorized {
			return fmt.Errorf("log out of %s: %w", c.cfg.Name, err)
		}
		return nil
	})
}

// currentToken is the token in use, zero when logged out.
func (c *Client) currentToken() secret.Secret {
	if s := c.session.Current(); s != nil {
		return s.token
	}
	return secret.Secret{}
}
