package threadfix

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/quell-dev/quell/internal/actions"
)

// grants is a recorded access state; a nil field is a key the record
// does not hold.
type grants struct {
	Global *int        `json:"global_role_id"`
	Teams  *[]teamRole `json:"team_roles"`
	Apps   *[]appRole  `json:"app_roles"`
	Groups *[]groupRef `json:"groups"`
}

// manualRestore says where an administrator restores access by hand.
const manualRestore = "restore it by hand in ThreadFix (Configuration > Users > the user's roles and groups)"

// undoQuarantine gives back what the quarantine removed (its Before): the
// global role, team and application roles and group memberships, after
// checking nothing changed since (its After). Access granted since, by
// anyone, is left as it is and named in the details.
func (c *Client) undoQuarantine(ctx context.Context, a actions.Action) (actions.Outcome, error) {
	var before grants
	if err := decodeInto(a.Undo.Before, &before); err != nil {
		return actions.Outcome{}, actions.Permanent(fmt.Errorf("undo %s: the recorded state is not a ThreadFix quarantine's: %w", a.Undo.Of, err))
	}
	u, err := c.resolve(ctx, a.User)
	if err != nil {
		return actions.Outcome{}, fmt.Errorf("undo %s: %w", a.Undo.Of, err)
	}
	st, err := c.readState(ctx, u)
	if err != nil {
		return actions.Outcome{}, fmt.Errorf("undo %s: %w", a.Undo.Of, err)
	}
	if r := unchangedSince(a.Undo, st.values(keysOf(a.Undo.After)...)); r != "" {
		return actions.UndoRefused(r, strconv.Itoa(u.ID)), nil
	}
	steps, lost := restoreSteps(strconv.Itoa(u.ID), before, st)
	if len(lost) > 0 {
		return actions.UndoRefused(fmt.Sprintf("not undone: %s cannot be restored through the API (its id is unknown); %s",
			strings.Join(lost, "; "), manualRestore), strconv.Itoa(u.ID)), nil
	}
	out := undoOutcome(u)
	if len(steps) == 0 {
		out.Status, out.Reason = actions.StatusSkipped, "already restored: the user holds every access the quarantine removed"
		return out, nil
	}
	return c.restore(ctx, a, out, st, steps)
}

// restore sends the steps; any error stops it (the retry reads the state
// again and sends only what is still missing).
func (c *Client) restore(ctx context.Context, a actions.Action, out actions.Outcome, st accessState, steps []step) (actions.Outcome, error) {
	after := st
	var keys, what []string
	for _, s := range steps {
		call, err := c.send(ctx, s)
		if err != nil {
			return actions.Outcome{}, fmt.Errorf("undo %s: %w", a.Undo.Of, err)
		}
		out.Calls = append(out.Calls, call)
		s.apply(&after)
		what = append(what, strings.TrimPrefix(s.what, "restore "))
		if !slices.Contains(keys, s.key) {
			keys = append(keys, s.key)
		}
	}
	out.Status, out.Reason = actions.StatusCompleted, "access restored: "+strings.Join(what, "; ")
	out.Before, out.After = st.values(keys...), after.values(keys...)
	if extra := extras(a.Undo.Before, after); len(extra) > 0 {
		out.Details["left_as_is"] = strings.Join(extra, "; ")
	}
	return out, nil
}

// restoreSteps lists the writes that give back what before holds and st
// lacks; lost names recorded items whose ids are unknown.
func restoreSteps(id string, before grants, st accessState) (steps []step, lost []string) {
	if before.Global != nil && *before.Global != st.audit.globalValue() {
		g := *before.Global
		steps = append(steps, step{what: "restore global role id " + strconv.Itoa(g), key: keyGlobal, path: updatePath(id),
			form: url.Values{"globalRoleId": {strconv.Itoa(g)}}, apply: func(s *accessState) { s.audit = globalAudit(s.audit.ID, g) }})
	}
	for _, g := range deref(before.Groups) {
		if !slices.Contains(st.groups, g) {
			steps = append(steps, step{what: "restore " + describeGroup(g), key: keyGroups, path: groupPath(ids(g.GroupID), opAddUser, id),
				apply: func(s *accessState) { s.groups = sortedGroups(append(slices.Clone(s.groups), g)) }})
		}
	}
	for _, t := range deref(before.Teams) {
		switch {
		case slices.Contains(st.teams, t):
		case t.TeamID == 0 || t.RoleID == 0:
			lost = append(lost, describeTeamRole(t))
		default:
			steps = append(steps, step{what: "restore " + describeTeamRole(t), key: keyTeams, path: teamRolePath(id),
				form: url.Values{"teamId": {ids(t.TeamID)}, "roleId": {ids(t.RoleID)}},
				apply: func(s *accessState) {
					// Adding a team role replaces the role held on that team.
					kept := slices.DeleteFunc(slices.Clone(s.teams), func(x teamRole) bool { return x.TeamID == t.TeamID })
					s.teams = sortedTeams(append(kept, t))
				}})
		}
	}
	for _, ar := range deref(before.Apps) {
		switch {
		case slices.Contains(st.apps, ar):
		case ar.AppID == 0 || ar.RoleID == 0:
			lost = append(lost, describeAppRole(ar))
		default:
			steps = append(steps, step{what: "restore " + describeAppRole(ar), key: keyApps, path: appRolePath(id),
				form: url.Values{"appId": {ids(ar.AppID)}, "roleId": {ids(ar.RoleID)}},
				apply: func(s *accessState) {
					kept := slices.DeleteFunc(slices.Clone(s.apps), func(x appRole) bool { return x.AppID == ar.AppID })
					s.apps = sortedApps(append(kept, ar))
				}})
		}
	}
	return steps, lost
}

// restoreTemplate is one write of each kind, for a plan.
func restoreTemplate(id string) []step {
	return []step{
		{path: updatePath(id), form: url.Values{"globalRoleId": {"{globalRoleId}"}}},
		{path: groupPath("{groupId}", opAddUser, id)},
		{path: teamRolePath(id), form: url.Values{"teamId": {"{teamId}"}, "roleId": {"{roleId}"}}},
		{path: appRolePath(id), form: url.Values{"appId": {"{appId}"}, "roleId": {"{roleId}"}}},
	}
}

// extras names the access the user holds after the undo that the
// quarantine had not removed: granted since, or never removed.
func extras(recorded map[string]any, now accessState) []string {
	var before grants
	_ = decodeInto(recorded, &before)
	var out []string
	if before.Teams != nil {
		for _, t := range now.teams {
			if !slices.Contains(*before.Teams, t) {
				out = append(out, describeTeamRole(t))
			}
		}
	}
	if before.Apps != nil {
		for _, a := range now.apps {
			if !slices.Contains(*before.Apps, a) {
				out = append(out, describeAppRole(a))
			}
		}
	}
	if before.Groups != nil {
		for _, g := range now.groups {
			if !slices.Contains(*before.Groups, g) {
				out = append(out, describeGroup(g))
			}
		}
	}
	return out
}

// globalAudit is the audit entry globalRoleId g produces, as far as the
// recorded state reads it.
func globalAudit(id, g int) auditUser {
	a := auditUser{ID: id, HasGlobalGroupAccess: g != NoGlobalAccess}
	if g > 0 {
		a.GlobalRole = &role{ID: g}
	}
	return a
}

func deref[E any](p *[]E) []E {
	if p == nil {
		return nil
	}
	return *p
}
