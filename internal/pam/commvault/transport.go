package commvault

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"

	"github.com/quell-dev/quell/internal/actions"
	"github.com/quell-dev/quell/internal/pam"
	"github.com/quell-dev/quell/internal/secret"
)

// maxResponseBody bounds a decoded answer. It is generous because
// GET V4/user returns every user of the CommCell in one answer (V4 has no
// paging or name filter).
const maxResponseBody = 32 << 20

// userAgent names Quell in the web server's logs.
const userAgent = "quell-commvault"

// request is one API call, relative to BaseURL.
type request struct {
	method string
	path   string // e.g. "V4/user/5"
	body   any    // sent as JSON when non-nil
	out    any    // decoded from a 2xx JSON answer when non-nil
	// emptyOK accepts an empty 2xx body as "nothing to decode" instead of
	// a cut-off answer (for GenericResp, see write.go).
	emptyOK bool
}

// call sends r with the current token, logging in first if there is none.
// A 401 means the token expired (30 minutes idle) or was revoked: it logs
// in again (once, shared with any other goroutine that saw the same 401)
// and repeats r once (see [pam.Session]). The status is 0 when no answer
// arrived.
func (c *Client) call(ctx context.Context, r request) (int, error) {
	status, err := c.session.Call(ctx, func(s *session) (int, error) { return c.roundTrip(ctx, r, s.token) })
	return status, pam.MarkUnanswered(actions.Call{Method: r.method, Path: r.path, Body: r.body}, status, err)
}

// roundTrip sends r once with token (none when zero) and classifies the
// result with [pam.Classify].
func (c *Client) roundTrip(ctx context.Context, r request, token secret.Secret) (int, error) {
	req, err := c.newRequest(ctx, r, token)
	if err != nil {
		return 0, actions.Permanent(fmt.Errorf("build %s %s: %w", r.method, r.path, err))
	}
	return pam.Send(c.hc, req, c.classifyOptions(token), func(resp *http.Response) error {
		if r.out == nil {
			return nil
		}
		if err := decode(resp.Body, r.out, r.emptyOK); err != nil {
			// Most likely a cut-off answer. Reads are safe to repeat, and a
			// repeated write first reads the state it would change.
			return actions.Transient(fmt.Errorf("%s %s: decode answer: %w", r.method, req.URL.Path, err), 0)
		}
		return nil
	})
}

func (c *Client) newRequest(ctx context.Context, r request, token secret.Secret) (*http.Request, error) {
	var body io.Reader
	if r.body != nil {
		b, err := json.Marshal(r.body)
		if err != nil {
			return nil, err
		}
		body = bytes.NewReader(b)
	}
	u := *c.base
	u.Path = c.base.Path + "/" + r.path
	req, err := http.NewRequestWithContext(ctx, r.method, u.String(), body)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", userAgent)
	if r.body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if !token.IsZero() {
		req.Header.Set("Authtoken", token.Reveal())
	}
	return req, nil
}

// classifyOptions scrubs the password (plain and as sent, Base64) and the
// token from any vendor error body quoted in an error.
func (c *Client) classifyOptions(token secret.Secret) pam.ClassifyOptions {
	return pam.ClassifyOptions{
		RetryAfterCeiling: c.cfg.RetryAfterCeiling,
		Redact:            []secret.Secret{c.cfg.Password, encodedPassword(c.cfg.Password), token},
	}
}

// decode reads one JSON value; an empty body is an error unless emptyOK.
func decode(body io.Reader, out any, emptyOK bool) error {
	b, err := io.ReadAll(io.LimitReader(body, maxResponseBody))
	if err != nil {
		return err
	}
	if emptyOK && len(bytes.TrimSpace(b)) == 0 {
		return nil
	}
	return json.Unmarshal(b, out)
}
