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
	// get is the current value as Quell compares and records it.
	get func(user) string
	// parse, when set, checks a wanted value and puts it in the form get
	// reports, so that equal values compare equal.
	parse func(string) (string, error)
}

// attributes are the fields of PUT V4/user/{id} update_attributes sets.
// newName (rename) is left out on purpose: a renamed account no longer
// matches the name the signal carried, which breaks every later action.
var attributes = []attribute{
	{param: actions.AttrFullName, field: "fullName", get: func(u user) string { return u.FullName }},
	{param: actions.AttrEmail, field: "email", get: func(u user) string { return u.Email }},
	{param: actions.AttrUPN, field: "userPrincipalName", get: func(u user) string { return u.UserPrincipalName }},
	{param: actions.AttrAuthMethod, field: fieldAuthMethod, get: func(u user) string { return readAuthMethod(u.AuthenticationMethod) },
		parse: parseAuthMethod},
}

// attributeByField is the attribute of a V4 user field, as Before and
// After name it.
func attributeByField(field string) (attribute, bool) {
	for _, at := range attributes {
		if at.field == field {
			return at, true
		}
	}
	return attribute{}, false
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
		if at, _ := attributeByParam(name); at.parse != nil {
			var err error
			if v, err = at.parse(v); err != nil {
				return nil, actions.Permanent(fmt.Errorf("%s %s: %s: %w", Kind, actions.UpdateAttributes, name, err))
			}
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
	body, before := changes(u, want)
	if len(body) == 0 {
		out.Status, out.Reason = actions.StatusSkipped, "attributes already equal"
		return out, nil
	}
	call, err := c.modifyUser(ctx, u, body)
	if err != nil {
		return actions.Outcome{}, fmt.Errorf("update attributes: %w", err)
	}
	out.Status, out.Reason, out.Calls = actions.StatusCompleted, "updated "+fieldList(body), []actions.Call{call}
	out.Before, out.After = before, body
	return out, nil
}

// changes is the PUT body, the wanted fields whose value differs, and
// those fields' current values (the outcome's Before).
func changes(u user, want map[string]string) (body, before map[string]any) {
	body, before = map[string]any{}, map[string]any{}
	for _, at := range attributes {
		w, ok := want[at.param]
		if !ok {
			continue
		}
		if have := at.get(u); have != w {
			body[at.field], before[at.field] = w, have
		}
	}
	return body, before
}

// attributeByParam is the attribute of an update_attributes parameter.
func attributeByParam(param string) (attribute, bool) {
	for _, at := range attributes {
		if at.param == param {
			return at, true
		}
	}
	return attribute{}, false
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
