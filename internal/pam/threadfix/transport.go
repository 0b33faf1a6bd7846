package threadfix

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/quell-dev/quell/internal/actions"
	"github.com/quell-dev/quell/internal/pam"
)

// maxResponseBody bounds an answer. users/list and users/audit return every
// user; 16 MiB holds tens of thousands of audit entries, and anything larger
// is not an answer we can act on safely.
const maxResponseBody = 16 << 20

// userAgent names Quell in the vendor's access logs.
const userAgent = "quell-threadfix"

// formContentType is what the documented curl (--data) sends.
const formContentType = "application/x-www-form-urlencoded"

// request is one API call, relative to BaseURL.
type request struct {
	method string
	path   string     // e.g. "users/3/update"
	form   url.Values // form-encoded body of a POST; nil for none
	out    any        // the envelope's object is decoded into it when non-nil
}

// call sends r once and returns the HTTP status (0 when no answer arrived)
// and a classified error: transport and HTTP-status failures through
// [pam.Classify], then the envelope (success: false is a failure even with
// HTTP 200). The client never retries; the executor does.
func (c *Client) call(ctx context.Context, r request) (int, error) {
	var body io.Reader
	if r.form != nil {
		body = strings.NewReader(r.form.Encode())
	}
	req, err := http.NewRequestWithContext(ctx, r.method, c.endpoint(r.path), body)
	if err != nil {
		return 0, actions.Permanent(fmt.Errorf("build %s %s: %w", r.method, r.path, err))
	}
	// The one place the key is revealed; the header is never logged.
	req.Header.Set("Authorization", "APIKEY "+c.cfg.APIKey.Reveal())
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", userAgent)
	if r.form != nil {
		req.Header.Set("Content-Type", formContentType)
	}
	status, err := pam.Send(c.hc, req, c.classify, func(resp *http.Response) error {
		return c.readEnvelope(req, resp, r.out)
	})
	return status, pam.MarkUnanswered(actions.Call{Method: r.method, Path: r.path, Body: formBody(r.form)}, status, err)
}

// readEnvelope reads and checks the answer of a 2xx response.
func (c *Client) readEnvelope(req *http.Request, resp *http.Response, out any) error {
	method, path := req.Method, req.URL.Path
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBody+1))
	if err != nil {
		// The connection broke mid-answer: as good as no answer.
		return actions.Transient(&pam.TransportError{Method: method, Path: path, Err: err}, 0)
	}
	if len(raw) > maxResponseBody {
		return actions.Permanent(fmt.Errorf("%s %s: answer larger than %d bytes", method, path, maxResponseBody))
	}
	env, err := decodeEnvelope(raw)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	if !*env.Success {
		return refusal(method, path, resp.StatusCode, env.Message, c.cfg.APIKey)
	}
	if out == nil || len(env.Object) == 0 {
		return nil
	}
	if err := json.Unmarshal(env.Object, out); err != nil {
		// A well-formed envelope whose object has another shape: a
		// different API version, which retrying will not change.
		return actions.Permanent(fmt.Errorf("%s %s: unexpected object in answer: %w", method, path, err))
	}
	return nil
}

func (c *Client) endpoint(path string) string {
	u := *c.base
	u.Path = c.base.Path + "/" + path
	return u.String()
}
