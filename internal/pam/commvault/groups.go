package commvault

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"

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
// wanted, then reads the user again to confirm the change took (see
// applyGroupOp).
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
	if isMember(u, g) == (op == opAdd) {
		out.Status, out.Reason = actions.StatusSkipped, "already a member"
		if op == opDelete {
			out.Reason = "not a member"
		}
		return out, nil
	}
	call, now, err := c.applyGroupOp(ctx, u, g, op)
	if err != nil {
		return actions.Outcome{}, fmt.Errorf("%s %s: %w", a.Kind, g, err)
	}
	out.Status, out.Calls = actions.StatusCompleted, []actions.Call{call}
	out.Before, out.After = groupState(u), groupState(now)
	out.Reason = "added to group " + g.String()
	if op == opDelete {
		out.Reason = "removed from group " + g.String()
	}
	return out, nil
}

// applyGroupOp sends op for g and reads the user back: the product may
// answer success yet leave the membership as it was (it does for external
// users, whose groups "cannot be modified"), so only the read-back tells.
// A change not taken is a permanent error naming the user and the group.
func (c *Client) applyGroupOp(ctx context.Context, u user, g groupRef, op string) (actions.Call, user, error) {
	call, err := c.modifyUser(ctx, u, groupBody(op, g))
	if err != nil {
		return actions.Call{}, user{}, err
	}
	now, err := c.getUser(ctx, u.ID)
	if err != nil {
		return actions.Call{}, user{}, fmt.Errorf("confirm the change: %w", err)
	}
	if isMember(now, g) != (op == opAdd) {
		return actions.Call{}, user{}, actions.Permanent(errIgnored(u, g, op))
	}
	return call, now, nil
}

// errIgnored explains a group change the product answered as done but
// did not make.
func errIgnored(u user, g groupRef, op string) error {
	state := "is still not a member of"
	if op == opDelete {
		state = "is still a member of"
	}
	msg := fmt.Sprintf("Commvault answered success but ignored the change: user %s (id %d) %s group %s after %s",
		u.Name, u.ID, state, g, op)
	if isExternal(u) {
		msg += "; it is an external (directory) user, whose groups Commvault does not let be modified: change the membership in the directory"
	}
	return errors.New(msg)
}

// isExternal reports whether u comes from a directory: Commvault names
// directory users DOMAIN\user.
func isExternal(u user) bool { return strings.Contains(u.Name, `\`) }

func isMember(u user, g groupRef) bool {
	for _, e := range u.AssociatedUserGroups {
		if g.matches(e) {
			return true
		}
	}
	return false
}

// fieldGroups is the V4 user's group list, as Before and After name it.
const fieldGroups = "associatedUserGroups"

// groupState is the user's group names, sorted, as Before and After
// record them.
func groupState(u user) map[string]any {
	names := make([]string, 0, len(u.AssociatedUserGroups))
	for _, e := range u.AssociatedUserGroups {
		names = append(names, e.Name)
	}
	sort.Strings(names)
	return map[string]any{fieldGroups: names}
}

// planGroupAction is what a dry run reports: the reads, the PUT, and the
// read that confirms it.
func planGroupAction(a actions.Action) []actions.Call {
	g, _ := groupParam(a) // checked by Execute before planning
	op := opAdd
	if a.Kind == actions.RemoveGroup {
		op = opDelete
	}
	id := pam.PlannedUserID(a.User)
	put := actions.Call{Method: http.MethodPut, Path: userPath(id), Body: groupBody(op, g)}
	return append(planResolve(a.User, true), put, actions.Call{Method: http.MethodGet, Path: userPath(id)})
}
