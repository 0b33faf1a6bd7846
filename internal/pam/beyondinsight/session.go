package beyondinsight

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"unicode"

	"github.com/quell-dev/quell/internal/actions"
	"github.com/quell-dev/quell/internal/pam"
	"github.com/quell-dev/quell/internal/secret"
)

// session is one sign-in. Its cookie lives in the client's jar; the value
// only tells sign-ins apart ([pam.Session] compares the pointers), and the
// field keeps the type from being zero-size, whose pointers may all be
// equal.
type session struct {
	signedIn bool
}

// signIn opens a new session with POST Auth/SignAppin; [pam.Session] calls
// it, one at a time, when there is no session or the one in use got a 401.
//
// With PS-Auth the API key goes in SignAppin's Authorization header. With
// OAuth every sign-in first gets a new bearer token from
// POST Auth/connect/token and sends that instead. The token is used for
// SignAppin only (later calls carry the session cookie, as in BeyondTrust's
// own client), so it is not kept: its expires_in is not read, and a
// sign-in after the session ended, at any time later, simply gets a new
// token. That costs one extra request per sign-in, which happens only on
// first use and after a 401.
func (c *Client) signIn(ctx context.Context) (*session, error) {
	r := request{
		method: http.MethodPost,
		path:   "Auth/SignAppin",
		header: http.Header{"Content-Type": {"application/json"}},
	}
	if c.cfg.oauth() {
		token, err := c.requestToken(ctx)
		if err != nil {
			return nil, fmt.Errorf("sign in to %s %s: %w", c.cfg.Name, c.signsInAs(), err)
		}
		r.header.Set("Authorization", "Bearer "+token.Reveal())
		r.redact = []secret.Secret{token}
	} else {
		r.header.Set("Authorization", c.authorization())
	}
	if _, err := c.roundTrip(ctx, r); err != nil {
		return nil, fmt.Errorf("sign in to %s %s: %w", c.cfg.Name, c.signsInAs(), err)
	}
	return &session{signedIn: true}, nil
}

// signsInAs names the credential for sign-in errors: the run-as user, or
// just "with OAuth client credentials" (the client id is not quoted, in
// case it was configured in place of the secret).
func (c *Client) signsInAs() string {
	if c.cfg.oauth() {
		return "with OAuth client credentials"
	}
	return "as " + c.cfg.RunAs
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

// tokenAnswer is the part of the token endpoint's answer the client reads;
// expires_in and scope are ignored (see signIn).
type tokenAnswer struct {
	AccessToken string `json:"access_token"`
	TokenType   string `json:"token_type"`
}

// requestToken gets a bearer token with the OAuth client-credentials grant:
// POST Auth/connect/token with the form grant_type=client_credentials,
// client_id and client_secret. This is the one place the client secret is
// revealed. The answer is read raw and decoded here, so that no decoder
// message can quote the token; the token is returned as a [secret.Secret].
func (c *Client) requestToken(ctx context.Context) (secret.Secret, error) {
	var raw []byte
	_, err := c.roundTrip(ctx, request{
		method: http.MethodPost,
		path:   "Auth/connect/token",
		form: url.Values{
			"grant_type":    {"client_credentials"},
			"client_id":     {c.cfg.ClientID},
			"client_secret": {c.cfg.ClientSecret.Reveal()},
		},
		// The secret as the form encodes it, in case an error answer
		// echoes the body (the plain secret is redacted for every call).
		redact: []secret.Secret{secret.New(url.QueryEscape(c.cfg.ClientSecret.Reveal()))},
		raw:    &raw,
	})
	if err != nil {
		return secret.Secret{}, err
	}
	var answer tokenAnswer
	if json.Unmarshal(raw, &answer) != nil {
		// Most likely a cut-off answer; asking again is safe.
		return secret.Secret{}, actions.Transient(errors.New("POST Auth/connect/token: the answer is not a JSON token object"), 0)
	}
	token := secret.New(answer.AccessToken)
	switch {
	case token.IsZero():
		return secret.Secret{}, actions.Permanent(errors.New("POST Auth/connect/token: the answer has no access_token"))
	case answer.TokenType != "" && !strings.EqualFold(answer.TokenType, "Bearer"):
		return secret.Secret{}, actions.Permanent(fmt.Errorf("POST Auth/connect/token: token_type %q, want Bearer", pam.CleanMessage(answer.TokenType, token)))
	case strings.ContainsFunc(answer.AccessToken, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) || r > unicode.MaxASCII }):
		// It could not travel in an Authorization header as it is.
		return secret.Secret{}, actions.Permanent(errors.New("POST Auth/connect/token: the access_token contains characters a header cannot carry"))
	}
	return token, nil
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
