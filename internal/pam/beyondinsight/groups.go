package beyondinsight

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strconv"

	"github.com/quell-dev/quell/internal/actions"
	"github.com/quell-dev/quell/internal/pam"
)

// checkGroup refuses, before any request, parameters other than group and
// a group parameter that is missing or a malformed id:<n>.
func checkGroup(a actions.Action) error {
	if err := actions.CheckParams(Kind, a.Kind, a.Params, actions.ParamGroup); err != nil {
		return err
	}
	_, err := parseGroupRef(a.Kind, a.Params)
	return err
}

// addGroup makes the user a member of the group with
// POST Users/{userId}/UserGroups/{userGroupId}, unless it already is one.
func (c *Client) addGroup(ctx context.Context, a actions.Action) (actions.Outcome, error) {
	return c.changeMembership(ctx, a, true)
}

// removeGroup takes the user out of the group with
// DELETE Users/{userId}/UserGroups/{userGroupId}, unless it is not a member.
//
// BeyondInsight documents that a user in no user group cannot sign in to
// the console, nor an application user to the API; it does not document
// that the API refuses to remove the last group. So the last group is
// removed like any other, and the outcome says what follows.
func (c *Client) removeGroup(ctx context.Context, a actions.Action) (actions.Outcome, error) {
	return c.changeMembership(ctx, a, false)
}

// membershipView is what a membership change reads first: the user, the
// group and the user's groups.
type membershipView struct {
	u      user
	g      userGroup
	groups []userGroup
}

// changeMembership reads the user, the group and the user's groups (the
// read-before-write), then adds or removes the membership if needed.
func (c *Client) changeMembership(ctx context.Context, a actions.Action, add bool) (actions.Outcome, error) {
	v, err := c.readMembership(ctx, a.Kind, a.User, a.Params)
	if err != nil {
		return actions.Outcome{}, err
	}
	return c.applyMembership(ctx, a.Kind, v, add)
}

// readMembership resolves the user and the group parameter of params, and
// reads the user's groups; k names the action in errors.
func (c *Client) readMembership(ctx context.Context, k actions.Kind, who actions.UserRef, params map[string]any) (membershipView, error) {
	ref, err := parseGroupRef(k, params)
	if err != nil {
		return membershipView{}, err
	}
	u, err := c.resolve(ctx, who)
	if err != nil {
		return membershipView{}, fmt.Errorf("%s %s: %w", k, who, err)
	}
	g, err := c.resolveGroup(ctx, ref)
	if err != nil {
		return membershipView{}, fmt.Errorf("%s %s: %w", k, who, err)
	}
	groups, err := c.groupsOf(ctx, u.UserID)
	if err != nil {
		return membershipView{}, fmt.Errorf("%s %s: %w", k, who, err)
	}
	return membershipView{u: u, g: g, groups: groups}, nil
}

// applyMembership adds (or removes) v's user to v's group with
// POST (DELETE) Users/{userId}/UserGroups/{userGroupId}, unless it already
// is (is not) a member.
func (c *Client) applyMembership(ctx context.Context, k actions.Kind, v membershipView, add bool) (actions.Outcome, error) {
	u, g, groups := v.u, v.g, v.groups
	uid, gid := strconv.Itoa(u.UserID), strconv.Itoa(g.GroupID)
	out := actions.Outcome{TargetUserID: uid, Details: map[string]string{
		"user_name": u.displayName(), "group_id": gid, "group_name": g.Name,
	}}
	member := slices.ContainsFunc(groups, func(m userGroup) bool { return m.GroupID == g.GroupID })
	switch {
	case add && member:
		out.Status, out.Reason = actions.StatusSkipped, "already a member"
		return out, nil
	case !add && !member:
		out.Status, out.Reason = actions.StatusSkipped, "not a member"
		return out, nil
	}
	r := membershipRequest(membershipMethod(add), uid, gid)
	status, err := c.call(ctx, r)
	if err != nil {
		// A 404 here may mean the user or the group went away since the
		// reads; the answer does not say which, so it is not marked
		// ErrUserNotFound.
		return actions.Outcome{}, fmt.Errorf("%s user %d, group %d: %w", k, u.UserID, g.GroupID, err)
	}
	out.Status, out.Calls = actions.StatusCompleted, []actions.Call{r.sent(status)}
	out.Before, out.After = membershipState(groups, g, add)
	if add {
		out.Reason = "added to group " + g.Name
	} else {
		out.Reason = "removed from group " + g.Name
		if len(groups) == 1 {
			out.Details["note"] = "the user is in no user group now, so BeyondInsight will refuse its sign-in"
		}
	}
	return out, nil
}

func membershipMethod(add bool) string {
	if add {
		return http.MethodPost
	}
	return http.MethodDelete
}

// planAddGroup and planRemoveGroup are what a dry run reports: the three
// reads, then the write, with ids left as placeholders where only a name
// is known.
func planAddGroup(a actions.Action) []actions.Call { return planMembership(a, true) }

func planRemoveGroup(a actions.Action) []actions.Call { return planMembership(a, false) }

func planMembership(a actions.Action, add bool) []actions.Call {
	ref, err := parseGroupRef(a.Kind, a.Params)
	if err != nil {
		return nil // Execute refused it already
	}
	uid, gid := pam.PlannedUserID(a.User), "{groupId}"
	groupRead := groupListRequest(nil)
	if ref.id != 0 {
		gid = strconv.Itoa(ref.id)
		groupRead = groupGetRequest(gid, nil)
	}
	return []actions.Call{
		planResolve(a.User),
		groupRead.planned(),
		membershipsRequest(uid, nil).planned(),
		membershipRequest(membershipMethod(add), uid, gid).planned(),
	}
}

// keyMemberOf is the Outcome.Before and After key of a membership change:
// the names of the user's groups, sorted.
const keyMemberOf = "member_of"

// membershipState is Before and After of adding (or removing) g to a user
// whose groups were groups.
func membershipState(groups []userGroup, g userGroup, add bool) (before, after map[string]any) {
	var was, now []string
	for _, m := range groups {
		was = append(was, m.Name)
		if m.GroupID != g.GroupID {
			now = append(now, m.Name)
		}
	}
	if add {
		now = append(now, g.Name)
	}
	return map[string]any{keyMemberOf: sortedNames(was)}, map[string]any{keyMemberOf: sortedNames(now)}
}

// sortedNames is names sorted, never nil, so that "no groups" records as [].
func sortedNames(names []string) []string {
	out := append([]string{}, names...)
	slices.Sort(out)
	return out
}
