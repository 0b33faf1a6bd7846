package threadfix

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/quell-dev/quell/internal/actions"
)

// checkUpdate validates the attributes before anything is sent.
func checkUpdate(a actions.Action) error {
	_, err := parseChange(a.Params)
	return err
}

// updateAttributes resolves the user, reads what the change needs (the
// users/audit entry only when global_role_id is asked for), and sends only
// the fields that differ; when none do, nothing is sent.
func (c *Client) updateAttributes(ctx context.Context, a actions.Action) (actions.Outcome, error) {
	ch, err := parseChange(a.Params)
	if err != nil {
		return actions.Outcome{}, err
	}
	u, err := c.resolve(ctx, a.User)
	if err != nil {
		if out, ok := c.alreadyRenamed(ctx, a, ch, err); ok {
			return out, nil
		}
		return actions.Outcome{}, fmt.Errorf("update %s: %w", a.User, err)
	}
	access, err := c.accessFor(ctx, ch, u)
	if err != nil {
		return actions.Outcome{}, fmt.Errorf("update %s: %w", a.User, err)
	}
	out := actions.Outcome{TargetUserID: strconv.Itoa(u.ID), Details: map[string]string{"user_name": u.Name}}
	form := ch.diff(u, access)
	if len(form) == 0 {
		out.Status, out.Reason = actions.StatusSkipped, "attributes already equal"
		return out, nil
	}
	call, err := c.update(ctx, u, form)
	if err != nil {
		return actions.Outcome{}, fmt.Errorf("update %s: %w", a.User, err)
	}
	out.Status, out.Reason, out.Calls = actions.StatusCompleted, "updated "+fieldList(form), []actions.Call{call}
	out.Before, out.After = changeStates(u, access, ch, form)
	return out, nil
}

// Keys of update_attributes in Outcome.Before/After: the attribute names
// the action takes, so that an undo can send Before back as attributes.
// directory_id is null for a user that is not LDAP.
var attrOfField = map[string][]string{
	"name":         {actions.AttrUsername},
	"displayName":  {actions.AttrDisplayName},
	"type":         {actions.AttrUserType, actions.AttrDirectoryID},
	"globalRoleId": {actions.AttrGlobalRoleID},
}

// userValues is the user's attributes under update_attributes' names.
// access is nil unless the global role was read.
func userValues(u user, access *auditUser) map[string]any {
	m := map[string]any{
		actions.AttrUsername:    u.Name,
		actions.AttrDisplayName: u.DisplayName,
		actions.AttrUserType:    strings.ToUpper(u.Type),
		actions.AttrDirectoryID: directoryValue(u.Type, u.directoryID()),
	}
	if access != nil {
		m[actions.AttrGlobalRoleID] = access.globalValue()
	}
	return m
}

// directoryValue is a directory id as a state value: null unless LDAP.
func directoryValue(userType string, id int) any {
	if !strings.EqualFold(userType, TypeLDAP) || id == 0 {
		return nil
	}
	return id
}

// changeStates is Before and After of an update that sent form: the
// attributes it changed, as they were and as the change set them.
func changeStates(u user, access *auditUser, ch change, form url.Values) (before, after map[string]any) {
	was := userValues(u, access)
	now := map[string]any{actions.AttrDirectoryID: directoryValue(ch.userType, ch.directoryID)}
	if ch.name != nil {
		now[actions.AttrUsername] = *ch.name
	}
	if ch.displayName != nil {
		now[actions.AttrDisplayName] = *ch.displayName
	}
	if ch.userType != "" {
		now[actions.AttrUserType] = ch.userType
	}
	if ch.globalRole != nil {
		now[actions.AttrGlobalRoleID] = *ch.globalRole
	}
	before, after = map[string]any{}, map[string]any{}
	for field, attrs := range attrOfField {
		if !form.Has(field) {
			continue
		}
		for _, k := range attrs {
			before[k], after[k] = was[k], now[k]
		}
	}
	return before, after
}

// accessFor reads the user's global access when ch asks for a global role,
// and only then: users/audit is a read of every user.
func (c *Client) accessFor(ctx context.Context, ch change, u user) (*auditUser, error) {
	if ch.globalRole == nil {
		return nil, nil
	}
	got, err := c.readAccess(ctx, u)
	if err != nil {
		return nil, err
	}
	return &got, nil
}

// alreadyRenamed handles the redelivery of a rename that took effect (the
// answer was lost, or the result was never recorded): the old name no
// longer resolves. If a user with the new name exists and already matches
// every requested attribute, the action is reported skipped. Nothing is
// ever written on this path, so a different user who happens to bear the
// new name cannot be changed by mistake; in every other case the original
// not-found error stands.
func (c *Client) alreadyRenamed(ctx context.Context, a actions.Action, ch change, resolveErr error) (actions.Outcome, bool) {
	if ch.name == nil || a.User.TargetID != "" || !errors.Is(resolveErr, actions.ErrUserNotFound) {
		return actions.Outcome{}, false
	}
	u, err := c.resolve(ctx, actions.UserRef{Username: *ch.name})
	if err != nil {
		return actions.Outcome{}, false
	}
	access, err := c.accessFor(ctx, ch, u)
	if err != nil || len(ch.diff(u, access)) > 0 {
		return actions.Outcome{}, false
	}
	return actions.Outcome{
		Status:       actions.StatusSkipped,
		Reason:       "attributes already equal (found by the new name " + strconv.Quote(u.Name) + ")",
		TargetUserID: strconv.Itoa(u.ID),
		Details:      map[string]string{"user_name": u.Name},
	}, true
}

// form is every field ch asks for, as the Edit User API names them. A
// type carries the directory, as the API takes activeDirectoryId only
// together with type=LDAP.
func (ch change) form() url.Values {
	form := url.Values{}
	if ch.name != nil {
		form.Set("name", *ch.name)
	}
	if ch.displayName != nil {
		form.Set("displayName", *ch.displayName)
	}
	if ch.userType != "" {
		form.Set("type", ch.userType)
		if ch.userType == TypeLDAP {
			form.Set("activeDirectoryId", strconv.Itoa(ch.directoryID))
		}
	}
	if ch.globalRole != nil {
		form.Set("globalRoleId", strconv.Itoa(*ch.globalRole))
	}
	return form
}

// diff is the form to send: the fields of ch that differ from the user's
// current state. Names compare exactly (a change of case is a rename); the
// type compares case-insensitively, and an LDAP user moving to another
// directory is a change of type too. access is nil unless ch asks for a
// global role.
func (ch change) diff(u user, access *auditUser) url.Values {
	form := ch.form()
	if form.Has("name") && form.Get("name") == u.Name {
		form.Del("name")
	}
	if form.Has("displayName") && form.Get("displayName") == u.DisplayName {
		form.Del("displayName")
	}
	if form.Has("type") && strings.EqualFold(ch.userType, u.Type) && (ch.userType != TypeLDAP || ch.directoryID == u.directoryID()) {
		form.Del("type")
		form.Del("activeDirectoryId")
	}
	if form.Has("globalRoleId") && access != nil {
		if cur, ok := access.globalRoleID(); ok && cur == *ch.globalRole {
			form.Del("globalRoleId")
		}
	}
	return form
}

// planUpdate lists the reads and the write a dry run would make.
func planUpdate(a actions.Action) []actions.Call {
	ch, err := parseChange(a.Params)
	if err != nil {
		return nil // Execute refused it already
	}
	calls := []actions.Call{planResolve()}
	if ch.globalRole != nil {
		calls = append(calls, planAudit())
	}
	return append(calls, planUpdateCall(a.User, ch.form()))
}

// fieldList names the form's fields in a stable order, for the reason.
func fieldList(form url.Values) string {
	var names []string
	for _, f := range []string{"name", "displayName", "type", "activeDirectoryId", "globalRoleId"} {
		if form.Has(f) {
			names = append(names, f)
		}
	}
	return strings.Join(names, ", ")
}
