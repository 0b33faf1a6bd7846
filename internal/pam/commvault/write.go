package commvault

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/quell-dev/quell/internal/actions"
	"github.com/quell-dev/quell/internal/pam"
)

// genericResp is GenericResp, the whole answer of PUT V4/user/{id}.
// Success is errorCode 0 (inferred: the spec only gives the shape).
type genericResp struct {
	ErrorMessage *string `json:"errorMessage"`
	ErrorCode    *int    `json:"errorCode"`
}

// APIError is a 2xx answer whose GenericResp reports a failure
// (errorCode not 0). Callers find it with [errors.As].
type APIError struct {
	// Method and Path identify the request; Path never includes the query.
	Method string
	Path   string
	// ErrorCode and ErrorMessage are the vendor's; the message is cut to
	// [pam.MaxErrorBody] bytes and flattened onto one line.
	ErrorCode    int
	ErrorMessage string
}

// Error reads "PUT /webconsole/api/V4/user/5: errorCode 2: <message>".
func (e *APIError) Error() string {
	msg := e.Method + " " + e.Path + ": errorCode " + strconv.Itoa(e.ErrorCode)
	if e.ErrorMessage != "" {
		msg += ": " + e.ErrorMessage
	}
	return msg
}

// transientHints are words in an errorMessage that say the same request
// may succeed later. Anything else is permanent: a refused change does not
// become acceptable by repeating it.
var transientHints = []string{"try again", "temporar", "timed out", "timeout", "busy", "unavailable"}

// modifyUser sends PUT V4/user/{id} with body and returns the Call to
// record. A 404 means the user was deleted since it was read.
func (c *Client) modifyUser(ctx context.Context, u user, body map[string]any) (actions.Call, error) {
	path := userPath(strconv.Itoa(u.ID))
	var ans genericResp
	status, err := c.call(ctx, request{method: http.MethodPut, path: path, body: body, out: &ans, emptyOK: true})
	if pam.IsStatus(err, http.StatusNotFound) {
		err = fmt.Errorf("%w: %w", actions.ErrUserNotFound, err)
	}
	if err != nil {
		return actions.Call{}, fmt.Errorf("modify user %d: %w", u.ID, err)
	}
	if ans.ErrorCode != nil && *ans.ErrorCode != 0 {
		return actions.Call{}, fmt.Errorf("modify user %d: %w", u.ID, c.apiError(path, *ans.ErrorCode, ans.ErrorMessage))
	}
	return actions.Call{Method: http.MethodPut, Path: path, Status: status, Body: body}, nil
}

// apiError builds the classified error for a GenericResp failure.
func (c *Client) apiError(path string, code int, message *string) error {
	e := &APIError{Method: http.MethodPut, Path: c.base.Path + "/" + path, ErrorCode: code}
	if message != nil {
		e.ErrorMessage = c.scrub(*message)
	}
	lower := strings.ToLower(e.ErrorMessage)
	for _, h := range transientHints {
		if strings.Contains(lower, h) {
			return actions.Transient(e, 0)
		}
	}
	return actions.Permanent(e)
}

// scrub readies a vendor message for an error: credentials (the password,
// plain and Base64, and the token) removed, one line, bounded, as
// [pam.Classify] does for error bodies.
func (c *Client) scrub(msg string) string {
	return pam.CleanMessage(msg, c.classifyOptions(c.currentToken()).Redact...)
}

// errNoEnabled refuses to guess a user's state from an answer without it.
var errNoEnabled = errors.New("the answer does not say whether the user is enabled")
