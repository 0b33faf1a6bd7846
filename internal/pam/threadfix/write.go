package threadfix

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"

	"github.com/quell-dev/quell/internal/actions"
)

// updatePath is POST users/{userId}/update for id (a number or "{id}").
func updatePath(id string) string { return "users/" + id + "/update" }

// update sends POST users/{id}/update with form as the form-encoded body
// (the documented curl's --data) and returns the Call to record. The
// fields are not repeated as URL query parameters, as the vendor's Python
// client does: the body is the documented form.
//
// The answer's object (documented as "Successfully updated the user.") is
// not read: success: true is the contract, and a later version rewording the
// text, or returning the user instead, must not turn a done change into a
// failure.
func (c *Client) update(ctx context.Context, u user, form url.Values) (actions.Call, error) {
	path := updatePath(strconv.Itoa(u.ID))
	status, err := c.call(ctx, request{method: http.MethodPost, path: path, form: form})
	if err != nil {
		return actions.Call{}, fmt.Errorf("update user %d: %w", u.ID, err)
	}
	return actions.Call{Method: http.MethodPost, Path: path, Status: status, Body: formBody(form)}, nil
}

// planUpdateCall is the write a dry run reports.
func planUpdateCall(ref actions.UserRef, form url.Values) actions.Call {
	return actions.Call{Method: http.MethodPost, Path: updatePath(userIDOrPlaceholder(ref)), Body: formBody(form)}
}

// formBody shows a form as a map in Outcome.Calls. Quell never sends a
// password, so nothing in it is secret.
func formBody(form url.Values) map[string]string {
	m := make(map[string]string, len(form))
	for k := range form {
		m[k] = form.Get(k)
	}
	return m
}
