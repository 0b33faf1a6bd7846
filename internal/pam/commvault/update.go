package commvault

import (
	"context"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"unicode"

	"github.com/quell-dev/quell/internal/actions"
	"github.com/quell-dev/quell/internal/pam"
)

// attribute maps one update_attributes parameter onto a V4 user field.
type attribute struct {
	param string
	field string
	// foldCase compares the current value case-insensitively: an
	// enumeration the server may normalize, which would otherwise be
	// rewritten on every run.
	foldCase bool
	get      func(user) string
}

// attributes are the fields of PUT V4/user/{id} update_attributes sets.
// newName (rename) is left out on purpose: a renamed account no longer
// matches the name the signal carried, which breaks every later action.
var attributes = []attribute{
	{param: actions.AttrFullName, field: "fullName", get: func(u user) string { return u.FullName }},
	{param: actions.AttrEmail, field: "email", get: func(u user) string { return u.Email }},
	{param: actions.AttrUPN, field: "userPrincipalName", get: func(u user) string { return u.UserPrincipalName }},
	{param: actions.AttrAuthMethod, field: "authenticationMethod", foldCase: true, get: func(u user) string { return u.AuthenticationMethod }},
}

func checkUpdate(a actions.Action) error {
	_, err := parseAttributes(a.Params)
	return err
}

// parseAttributes returns the wanted value per attribute param, refusing
// unknown names, nothing at all, and empty or multi-line values (the API
// would read an empty field as "no change", so it cannot clear one).
func parseAttributes(params map[string]any) (map[string]string, error) {
	names := make([]string, len(attributes))
	for i, at := range attributes {
		names[i] = at.param
	}
	if err := actions.CheckParams(Kind, actions.UpdateAttributes, params, names...); err != nil {
		return nil, err
	}
	if len(params) == 0 {
		return nil, actions.Permanent(fmt.Errorf("%s %s: no attributes given (it can set %s)", Kind, actions.UpdateAttributes, strings.Join(names, ", ")))
	}
	want := map[string]string{}
	for name := range params {
		v := strings.TrimSpace(actions.StringParam(params, name))
		switch {
		case v == "":
			return nil, actions.Permanent(fmt.Errorf("%s %s: %s: empty value; Commvault cannot clear a field", Kind, actions.UpdateAttributes, name))
		case strings.ContainsFunc(v, unicode.IsControl):
			return nil, actions.Permanent(fmt.Errorf("%s %s: %s: contains control characters", Kind, actions.UpdateAttributes, name))
		}
		want[name] = v
	}
	return want, nil
}

// updateAttributes resolves the user, compares each wanted value with the
// current one and sends only the fields that differ; when none do,
// nothing is sent. The user is read by id only when auth_method is asked
// for, the one field the user list lacks.
func (c *Client) updateAttributes(ctx context.Context, a actions.Action) (actions.Outcome, error) {
	want, err := parseAttributes(a.Params)
	if err != nil {
		return actions.Outcome{}, err
	}
	_, needFull := want[actions.AttrAuthMethod]
	u, err := c.resolve(ctx, a.User, needFull)
	if err != nil {
		return actions.Outcome{}, fmt.Errorf("update attributes of %s: %w", a.User, err)
	}
	out := actions.Outcome{TargetUserID: strconv.Itoa(u.ID), Details: map[string]string{"user_name": u.Name}}
	body := changes(u, want)
	if len(body) == 0 {
		out.Status, out.Reason = actions.StatusSkipped, "attributes already equal"
		return out, nil
	}
	call, err := c.modifyUser(ctx, u, body)
	if err != nil {
		return actions.Outcome{}, fmt.Errorf("update attributes: %w", err)
	}
	out.Status, out.Reason, out.Calls = actions.StatusCompleted, "updated "+fieldList(body), []actions.Call{call}
	return out, nil
}

// changes is the PUT body: the wanted fields whose value differs.
func changes(u user, want map[string]string) map[string]any {
	body := map[string]any{}
	for _, at := range attributes {
		w, ok := want[at.param]
		if !ok {
			continue
		}
		have := at.get(u)
		if have == w || (at.foldCase && strings.EqualFold(have, w)) {
			continue
		}
		body[at.field] = w
	}
	return body
}

func fieldList(body map[string]any) string {
	fields := make([]string, 0, len(body))
	for f := range body {
		fields = append(fields, f)
	}
	sort.Strings(fields)
	return strings.Join(fields, ", ")
}

// planUpdate is what a dry run reports: the reads, then a PUT with every
// wanted field (without reading, it cannot tell which already match).
func planUpdate(a actions.Action) []actions.Call {
	want, _ := parseAttributes(a.Params) // checked by Execute before planning
	body := map[string]any{}
	for _, at := range attributes {
		if w, ok := want[at.param]; ok {
			body[at.field] = w
		}
	}
	_, needFull := want[actions.AttrAuthMethod]
	put := actions.Call{Method: http.MethodPut, Path: userPath(pam.PlannedUserID(a.User)), Body: body}
	return append(planResolve(a.User, needFull), put)
}
