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
	userFlags
}

// appUserBody is PUT Users/{id} for an Application user, as documented.
type appUserBody struct {
	UserName       string `json:"UserName"`
	AccessPolicyID int    `json:"AccessPolicyID"`
	userFlags
}

// userFlags carries the user's quarantine and activity, as read, into
// PUT Users/{id}. The v26.1 reference lists "the user's quarantine status"
// and "the user's activity status" among the PUT body's fields as plain
// (non-nullable) booleans, so a body without them may reset both to false:
// lift a quarantine, or disable the user. The older guide and BeyondTrust's
// Python library send neither. Sending the values read keeps them under
// both readings. IsQuarantined is sent only when true: false would undo a
// quarantine made between the read and the PUT, where leaving it out can
// only do so if the product resets it anyway. The answer is checked as
// well (see checkFlags).
type userFlags struct {
	IsQuarantined *bool `json:"IsQuarantined,omitempty"`
	IsActive      *bool `json:"IsActive,omitempty"`
}

func flagsOf(u user) userFlags {
	f := userFlags{IsActive: u.IsActive}
	if u.IsQuarantined {
		f.IsQuarantined = &u.IsQuarantined
	}
	return f
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

// updateAttributes resolves the user (the lookup is the read) and writes
// the requested attributes (see writeAttributes).
func (c *Client) updateAttributes(ctx context.Context, a actions.Action) (actions.Outcome, error) {
	u, err := c.resolve(ctx, a.User)
	if err != nil {
		return actions.Outcome{}, fmt.Errorf("update %s: %w", a.User, err)
	}
	return c.writeAttributes(ctx, u, a.Kind, a.Params)
}

// writeAttributes merges params into u's current attributes and, unless
// they all already hold, writes the whole body with PUT Users/{id}. Values
// are sent as given: the API validates them (required fields, e-mail
// format, lengths) and its 400 explains the problem better than a copy of
// its rules would. The answer is checked for a lifted quarantine or a
// changed activity (see checkFlags).
func (c *Client) writeAttributes(ctx context.Context, u user, kind actions.Kind, params map[string]any) (actions.Outcome, error) {
	id := strconv.Itoa(u.UserID)
	out := actions.Outcome{TargetUserID: id, Details: map[string]string{"user_name": u.displayName()}}
	next, changed, err := mergeAttributes(u, kind, params)
	if err != nil {
		return actions.Outcome{}, fmt.Errorf("update user %d: %w", u.UserID, err)
	}
	if len(changed) == 0 {
		out.Status, out.Reason = actions.StatusSkipped, "attributes already equal"
		return out, nil
	}
	var raw []byte
	r := updateRequest(id, bodyOf(next))
	r.raw = &raw
	status, err := c.call(ctx, r)
	if err != nil {
		return actions.Outcome{}, fmt.Errorf("update user %d: %w", u.UserID, notFoundSinceLookup(err))
	}
	if err := c.checkFlags(ctx, u, raw); err != nil {
		return actions.Outcome{}, fmt.Errorf("update user %d: %w", u.UserID, err)
	}
	out.Status, out.Reason, out.Calls = actions.StatusCompleted, "updated "+strings.Join(changed, ", "), []actions.Call{r.sent(status)}
	out.Before, out.After = attributes(u, changed), attributes(next, changed)
	return out, nil
}

// mergeAttributes is u with params applied, and the attributes that differ
// from u's current values, in a fixed order so that the reason reads the
// same on every run. Directory users and attributes u's type cannot take
// are refused without a write.
func mergeAttributes(u user, kind actions.Kind, params map[string]any) (user, []string, error) {
	allowed, what := localUserAttrs, "a BeyondInsight user"
	switch {
	case u.isDirectory():
		return user{}, nil, actions.Permanent(errDirectoryUser)
	case u.isApplication():
		allowed, what = appUserAttrs, "an Application user"
	}
	if err := actions.CheckParams(Kind, kind, params, allowed...); err != nil {
		return user{}, nil, fmt.Errorf("%s: %w", what, err)
	}
	next, changed := u, []string(nil)
	for _, attr := range allowed {
		if _, ok := params[attr]; !ok {
			continue
		}
		if err := setAttribute(&next, attr, params); err != nil {
			return user{}, nil, err
		}
		// Exact comparison: a change of case is a change the requester asked for.
		if attributeOf(next, attr) != attributeOf(u, attr) {
			changed = append(changed, attr)
		}
	}
	return next, changed, nil
}

func setAttribute(u *user, attr string, p map[string]any) error {
	switch attr {
	case actions.AttrUsername:
		u.UserName = actions.StringParam(p, attr)
	case actions.AttrFirstName:
		u.FirstName = actions.StringParam(p, attr)
	case actions.AttrLastName:
		u.LastName = actions.StringParam(p, attr)
	case actions.AttrEmail:
		u.EmailAddress = actions.StringParam(p, attr)
	case actions.AttrAccessPolicyID:
		n, err := accessPolicyID(p)
		if err != nil {
			return err
		}
		u.AccessPolicyID = n
	}
	return nil
}

// attributeOf is one attribute of u in Quell's terms: a string, or the
// access policy id as an int.
func attributeOf(u user, attr string) any {
	switch attr {
	case actions.AttrUsername:
		return u.UserName
	case actions.AttrFirstName:
		return u.FirstName
	case actions.AttrLastName:
		return u.LastName
	case actions.AttrEmail:
		return u.EmailAddress
	case actions.AttrAccessPolicyID:
		return u.AccessPolicyID
	}
	return nil
}

// attributes is the attributes named, as Outcome.Before or After records them.
func attributes(u user, names []string) map[string]any {
	m := make(map[string]any, len(names))
	for _, n := range names {
		m[n] = attributeOf(u, n)
	}
	return m
}

// bodyOf is the PUT body for the user as it should be after the update.
func bodyOf(u user) any {
	if u.isApplication() {
		return appUserBody{UserName: u.UserName, AccessPolicyID: u.AccessPolicyID, userFlags: flagsOf(u)}
	}
	return localUserBody{UserName: u.UserName, FirstName: u.FirstName, LastName: u.LastName,
		EmailAddress: u.EmailAddress, userFlags: flagsOf(u)}
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
