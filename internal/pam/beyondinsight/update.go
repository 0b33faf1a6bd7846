package beyondinsight

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"

	"github.com/quell-dev/quell/internal/actions"
	"github.com/quell-dev/quell/internal/pam"
)

// The attributes update_attributes can set, by user type. A password is
// never among them, although PUT Users/{id} takes one: Quell does not set
// passwords, and a password in a policy's parameters would be stored and
// logged as plain text on its way here.
var (
	localUserAttrs = []string{actions.AttrUsername, actions.AttrFirstName, actions.AttrLastName, actions.AttrEmail}
	appUserAttrs   = []string{actions.AttrUsername, actions.AttrAccessPolicyID}
	anyUserAttrs   = []string{actions.AttrUsername, actions.AttrFirstName, actions.AttrLastName, actions.AttrEmail, actions.AttrAccessPolicyID}
)

// errDirectoryUser is the documented refusal: "Cannot update
// ActiveDirectory or LDAP users." Their attributes belong to the directory.
var errDirectoryUser = errors.New("ActiveDirectory and LDAP users cannot be updated through the BeyondInsight API")

// localUserBody is PUT Users/{id} for a BeyondInsight (local) user: the
// documented body without Password, which when absent leaves the password
// as it is. Every field is sent, LastName even when empty, because whether
// PUT replaces the whole user or only the fields given is unconfirmed:
// sending all of them keeps the others intact under either reading.
type localUserBody struct {
	UserName     string `json:"UserName"`
	FirstName    string `json:"FirstName"`
	LastName     string `json:"LastName"`
	EmailAddress string `json:"EmailAddress"`
}

// appUserBody is PUT Users/{id} for an Application user, as documented.
type appUserBody struct {
	UserName       string `json:"UserName"`
	AccessPolicyID int    `json:"AccessPolicyID"`
}

// checkUpdate refuses, before any request, an empty change and attributes
// no BeyondInsight user type can take. Whether the resolved user's own type
// takes them is known only after the lookup (see updateBody).
func checkUpdate(a actions.Action) error {
	if len(a.Params) == 0 {
		return actions.Permanent(fmt.Errorf("%s %s: no attributes given", Kind, a.Kind))
	}
	if err := actions.CheckParams(Kind, a.Kind, a.Params, anyUserAttrs...); err != nil {
		return err
	}
	if _, ok := a.Params[actions.AttrAccessPolicyID]; ok {
		_, err := accessPolicyID(a.Params)
		return err
	}
	return nil
}

// updateAttributes resolves the user (the lookup is the read), merges the
// requested attributes into the current ones and, unless they all already
// hold, writes the whole body with PUT Users/{id}. Values are sent as
// given: the API validates them (required fields, e-mail format, lengths)
// and its 400 explains the problem better than a copy of its rules would.
func (c *Client) updateAttributes(ctx context.Context, a actions.Action) (actions.Outcome, error) {
	u, err := c.resolve(ctx, a.User)
	if err != nil {
		return actions.Outcome{}, fmt.Errorf("update %s: %w", a.User, err)
	}
	id := strconv.Itoa(u.UserID)
	out := actions.Outcome{TargetUserID: id, Details: map[string]string{"user_name": u.displayName()}}
	body, changed, err := updateBody(u, a)
	if err != nil {
		return actions.Outcome{}, fmt.Errorf("update user %d: %w", u.UserID, err)
	}
	if len(changed) == 0 {
		out.Status, out.Reason = actions.StatusSkipped, "attributes already equal"
		return out, nil
	}
	r := updateRequest(id, body)
	status, err := c.call(ctx, r)
	if err != nil {
		return actions.Outcome{}, fmt.Errorf("update user %d: %w", u.UserID, notFoundSinceLookup(err))
	}
	out.Status, out.Reason, out.Calls = actions.StatusCompleted, "updated "+strings.Join(changed, ", "), []actions.Call{r.sent(status)}
	return out, nil
}

// updateBody is the PUT body for u with a's attributes merged in, and the
// attributes that differ from u's current values. Directory users and
// attributes u's type cannot take are refused without a write.
func updateBody(u user, a actions.Action) (any, []string, error) {
	switch {
	case u.isDirectory():
		return nil, nil, actions.Permanent(errDirectoryUser)
	case u.isApplication():
		if err := actions.CheckParams(Kind, a.Kind, a.Params, appUserAttrs...); err != nil {
			return nil, nil, fmt.Errorf("an Application user: %w", err)
		}
		return appBody(u, a.Params)
	default:
		if err := actions.CheckParams(Kind, a.Kind, a.Params, localUserAttrs...); err != nil {
			return nil, nil, fmt.Errorf("a BeyondInsight user: %w", err)
		}
		b, changed := localBody(u, a.Params)
		return b, changed, nil
	}
}

// localBody merges the requested attributes into u's, in a fixed order so
// that the reason reads the same on every run.
func localBody(u user, p map[string]any) (localUserBody, []string) {
	b := localUserBody{UserName: u.UserName, FirstName: u.FirstName, LastName: u.LastName, EmailAddress: u.EmailAddress}
	var changed []string
	set := func(attr string, field *string) {
		if _, ok := p[attr]; !ok {
			return
		}
		// Exact comparison: a change of case is a change the requester asked for.
		if v := actions.StringParam(p, attr); v != *field {
			*field = v
			changed = append(changed, attr)
		}
	}
	set(actions.AttrUsername, &b.UserName)
	set(actions.AttrFirstName, &b.FirstName)
	set(actions.AttrLastName, &b.LastName)
	set(actions.AttrEmail, &b.EmailAddress)
	return b, changed
}

func appBody(u user, p map[string]any) (any, []string, error) {
	b := appUserBody{UserName: u.UserName, AccessPolicyID: u.AccessPolicyID}
	var changed []string
	if _, ok := p[actions.AttrUsername]; ok {
		if v := actions.StringParam(p, actions.AttrUsername); v != b.UserName {
			b.UserName, changed = v, append(changed, actions.AttrUsername)
		}
	}
	if _, ok := p[actions.AttrAccessPolicyID]; ok {
		v, err := accessPolicyID(p)
		if err != nil {
			return nil, nil, err
		}
		if v != b.AccessPolicyID {
			b.AccessPolicyID, changed = v, append(changed, actions.AttrAccessPolicyID)
		}
	}
	return b, changed, nil
}

// accessPolicyID reads access_policy_id as a positive 32-bit integer (the
// API's int). JSON numbers arrive as float64, written here without an
// exponent so that 1e6 reads as 1000000.
func accessPolicyID(p map[string]any) (int, error) {
	s := actions.StringParam(p, actions.AttrAccessPolicyID)
	if f, ok := p[actions.AttrAccessPolicyID].(float64); ok {
		s = strconv.FormatFloat(f, 'f', -1, 64)
	}
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil || n <= 0 || n > math.MaxInt32 {
		return 0, actions.Permanent(fmt.Errorf("%s %s: %s %q is not a positive integer",
			Kind, actions.UpdateAttributes, actions.AttrAccessPolicyID, s))
	}
	return n, nil
}

// planUpdate is what a dry run reports: the lookup, then the PUT. Its body
// depends on the user's current values, which a dry run does not read.
func planUpdate(a actions.Action) []actions.Call {
	return []actions.Call{planResolve(a.User), updateRequest(pam.PlannedUserID(a.User), nil).planned()}
}

// updateRequest is PUT Users/{id}; body is nil for a plan, which does not
// know it yet.
func updateRequest(id string, body any) request {
	return request{method: http.MethodPut, path: "Users/" + id, body: body}
}
