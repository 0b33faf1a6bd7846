package beyondinsight

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"github.com/quell-dev/quell/internal/actions"
	"github.com/quell-dev/quell/internal/pam"
	"github.com/quell-dev/quell/internal/secret"
)

// rotateClientSecret resolves the user and recycles its OAuth client secret
// with POST Users/{id}/RecycleClientSecret (no body). Only Application
// users have one; any other user is refused after the lookup, without a
// write.
//
// There is no read-before-write here: every recycle produces a new secret,
// and no state could show that "the" rotation already happened, so the
// action always writes (the executor's per-id idempotency keeps a
// redelivered action from rotating twice). The lookup only checks the type.
//
// The new secret goes into Outcome.Secret and nowhere else: the Outcome's
// Details carry its fingerprint, and no reason, call, error or log line
// holds the value.
func (c *Client) rotateClientSecret(ctx context.Context, a actions.Action) (actions.Outcome, error) {
	u, err := c.resolve(ctx, a.User)
	if err != nil {
		return actions.Outcome{}, fmt.Errorf("rotate client secret of %s: %w", a.User, err)
	}
	if !u.isApplication() {
		return actions.Outcome{}, actions.Permanent(fmt.Errorf(
			"rotate client secret of user %d: only application users have a client secret (%s is of type %s)",
			u.UserID, u.displayName(), u.kindName()))
	}
	id := strconv.Itoa(u.UserID)
	var raw []byte
	r := rotateRequest(id, &raw)
	status, err := c.call(ctx, r)
	if err != nil && status >= 200 && status < 300 {
		// The answer was cut off: the secret was recycled and is lost. The
		// error stays transient, as a retry recycles it again and reads it.
		err = fmt.Errorf("the secret was recycled but its answer was lost: %w", err)
	}
	if err != nil {
		return actions.Outcome{}, fmt.Errorf("rotate client secret of user %d: %w", u.UserID, notFoundSinceLookup(err))
	}
	s, err := parseClientSecret(raw)
	if err != nil {
		// The API changed the secret and the old one no longer works, but
		// the answer is not one we can read: retrying would only recycle
		// again into the same answer, so a person must look.
		return actions.Outcome{}, actions.Permanent(fmt.Errorf(
			"rotate client secret of user %d: the secret was recycled (the previous one no longer works) but %w", u.UserID, err))
	}
	return actions.Outcome{
		Status:       actions.StatusCompleted,
		Reason:       "client secret rotated",
		TargetUserID: id,
		Calls:        []actions.Call{r.sent(status)},
		Details:      map[string]string{"user_name": u.displayName(), actions.DetailSecretFingerprint: s.Fingerprint()},
		Secret:       s,
	}, nil
}

// parseClientSecret reads the answer to RecycleClientSecret. The
// documentation says its body is the new secret as a JSON string; the
// vendor's Python library says it is the user object "with recycled client
// secret". Both are accepted, the object also as a one-element array (as
// other user answers are documented), and the object must carry a
// non-empty ClientSecret. Errors describe the shape only: a JSON decoder's
// own message could quote part of the secret.
func parseClientSecret(raw []byte) (secret.Secret, error) {
	b := bytes.TrimSpace(raw)
	if len(b) == 0 {
		return secret.Secret{}, errors.New("the answer was empty")
	}
	var value string
	switch b[0] {
	case '"':
		if json.Unmarshal(b, &value) != nil {
			return secret.Secret{}, errors.New("the answer is a malformed JSON string")
		}
	case '{', '[':
		var u single[secretAnswer]
		if json.Unmarshal(b, &u) != nil {
			return secret.Secret{}, errors.New("the answer is a malformed user object")
		}
		if u.v.ClientSecret != nil {
			value = *u.v.ClientSecret
		}
	default:
		return secret.Secret{}, errors.New("the answer is neither a JSON string nor a user object")
	}
	if value == "" {
		return secret.Secret{}, errors.New("the answer holds no client secret")
	}
	return secret.New(value), nil
}

// secretAnswer is the part of RecycleClientSecret's user answer read. It
// counts as having its id whatever it holds: parseClientSecret checks the
// secret itself.
type secretAnswer struct {
	ClientSecret *string `json:"ClientSecret"`
}

func (secretAnswer) hasID() bool { return true }

// planRotate is what a dry run reports: the lookup, then the POST.
func planRotate(a actions.Action) []actions.Call {
	return []actions.Call{planResolve(a.User), rotateRequest(pam.PlannedUserID(a.User), nil).planned()}
}

// rotateRequest is POST Users/{id}/RecycleClientSecret; raw receives the
// answer undecoded (see request.raw).
func rotateRequest(id string, raw *[]byte) request {
	return request{method: http.MethodPost, path: "Users/" + id + "/RecycleClientSecret", raw: raw}
}
