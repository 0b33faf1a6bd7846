package commvault

import (
	"context"
	"fmt"
	"net/http"
	"strconv"

	"github.com/quell-dev/quell/internal/actions"
	"github.com/quell-dev/quell/internal/pam"
)

// userGroupOperation values of PUT V4/user/{id} that Quell sends. The API
// also takes OVERWRITE, which replaces the user's whole group list with
// userGroups; no action needs it (it would drop memberships Quell was not
// asked about), so it is never sent. The simulator implements all three.
const (
	opAdd    = "ADD"
	opDelete = "DELETE"
)

func checkGroupAction(a actions.Action) error {
	if err := actions.CheckParams(Kind, a.Kind, a.Params, actions.ParamGroup, actions.ParamReason); err != nil {
		return err
	}
	_, err := groupParam(a)
	return err
}

// groupParam parses the action's group parameter; a missing or malformed
// one is permanent.
func groupParam(a actions.Action) (groupRef, error) {
	if v, ok := a.Params[actions.ParamGroup]; !ok || v == nil {
		return groupRef{}, actions.Permanent(fmt.Errorf("%s %s: the %q parameter is required (a group name, or id:<n>)", Kind, a.Kind, actions.ParamGroup))
	}
	g, err := parseGroup(actions.StringParam(a.Params, actions.ParamGroup))
	if err != nil {
		return groupRef{}, actions.Permanent(fmt.Errorf("%s %s: %s: %w", Kind, a.Kind, actions.ParamGroup, err))
	}
	return g, nil
}

// groupBody is the PUT body that adds or deletes one group.
func groupBody(op string, g groupRef) map[string]any {
	return map[string]any{"userGroupOperation": op, "userGroups": []map[string]any{g.wire()}}
}

func (c *Client) addGroup(ctx context.Context, a actions.Action) (actions.Outcome, error) {
	return c.changeGroup(ctx, a, opAdd)
}

func (c *Client) removeGroup(ctx context.Context, a actions.Action) (actions.Outcome, error) {
	return c.changeGroup(ctx, a, opDelete)
}

// changeGroup reads the user by id (associatedUserGroups is not in the
// user list) and sends ADD or DELETE unless membership is already as
// wanted. Directory users' groups come from the directory: the API
// refuses the change with 400, which is reported as permanent.
func (c *Client) changeGroup(ctx context.Context, a actions.Action, op string) (actions.Outcome, error) {
	g, err := groupParam(a)
	if err != nil {
		return actions.Outcome{}, err
	}
	u, err := c.resolve(ctx, a.User, true)
	if err != nil {
		return actions.Outcome{}, fmt.Errorf("%s %s: %w", a.Kind, a.User, err)
	}
	out := actions.Outcome{TargetUserID: strconv.Itoa(u.ID), Details: map[string]string{"user_name": u.Name, "group": g.String()}}
	member := isMember(u, g)
	switch {
	case op == opAdd && member:
		out.Status, out.Reason = actions.StatusSkipped, "already a member"
		return out, nil
	case op == opDelete && !member:
		out.Status, out.Reason = actions.StatusSkipped, "not a member"
		return out, nil
	}
	call, err := c.modifyUser(ctx, u, groupBody(op, g))
	if err != nil {
		return actions.Outcome{}, fmt.Errorf("%s %s: %w", a.Kind, g, err)
	}
	out.Status, out.Calls = actions.StatusCompleted, []actions.Call{call}
	out.Reason = "added to group " + g.String()
	if op == opDelete {
		out.Reason = "removed from group " + g.String()
	}
	return out, nil
}

func isMember(u user, g groupRef) bool {
	for _, e := range u.AssociatedUserGroups {
		if g.matches(e) {
			return true
		}
	}
	return false
}

// planGroupAction is what a dry run reports: the reads, then the PUT.
func planGroupAction(a actions.Action) []actions.Call {
	g, _ := groupParam(a) // checked by Execute before planning
	op := opAdd
	if a.Kind == actions.RemoveGroup {
		op = opDelete
	}
	put := actions.Call{Method: http.MethodPut, Path: userPath(pam.PlannedUserID(a.User)), Body: groupBody(op, g)}
	return append(planResolve(a.User, true), put)
}
