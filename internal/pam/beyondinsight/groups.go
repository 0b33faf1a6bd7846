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

// changeMembership reads the user, the group and the user's groups (the
// read-before-write), then adds or removes the membership if needed.
func (c *Client) changeMembership(ctx context.Context, a actions.Action, add bool) (actions.Outcome, error) {
	ref, err := parseGroupRef(a.Kind, a.Params)
	if err != nil {
		return actions.Outcome{}, err
	}
	u, err := c.resolve(ctx, a.User)
	if err != nil {
		return actions.Outcome{}, fmt.Errorf("%s %s: %w", a.Kind, a.User, err)
	}
	g, err := c.resolveGroup(ctx, ref)
	if err != nil {
		return actions.Outcome{}, fmt.Errorf("%s %s: %w", a.Kind, a.User, err)
	}
	groups, err := c.groupsOf(ctx, u.UserID)
	if err != nil {
		return actions.Outcome{}, fmt.Errorf("%s %s: %w", a.Kind, a.User, err)
	}
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
		return actions.Outcome{}, fmt.Errorf("%s user %d, group %d: %w", a.Kind, u.UserID, g.GroupID, err)
	}
	out.Status, out.Calls = actions.StatusCompleted, []actions.Call{r.sent(status)}
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
