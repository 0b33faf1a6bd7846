package threadfix

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/quell-dev/quell/internal/actions"
)

// AlreadyContained is the reason of a quarantine skipped because the user
// holds no access of any kind.
const AlreadyContained = "already contained: no global, team, application or group access"

// quarantineForm removes global access: globalRoleId=-1.
func quarantineForm() url.Values {
	return url.Values{"globalRoleId": {strconv.Itoa(NoGlobalAccess)}}
}

// checkQuarantine refuses parameters quarantine cannot use. "reason" is
// accepted and ignored, as ThreadFix has nowhere to record it.
func checkQuarantine(a actions.Action) error {
	return actions.CheckParams(Kind, a.Kind, a.Params, actions.ParamReason)
}

// quarantine removes every access the user holds: the global role, every
// explicit team and application role, and every group membership (a
// group can grant a global, team or application role of its own). It
// reads everything first, skips when nothing is held, then removes item
// by item: see removeAll for what happens when one removal fails.
func (c *Client) quarantine(ctx context.Context, a actions.Action) (actions.Outcome, error) {
	u, err := c.resolve(ctx, a.User)
	if err != nil {
		return actions.Outcome{}, fmt.Errorf("quarantine %s: %w", a.User, err)
	}
	st, err := c.readState(ctx, u)
	if err != nil {
		return actions.Outcome{}, fmt.Errorf("quarantine %s: %w", a.User, err)
	}
	out := actions.Outcome{
		TargetUserID: strconv.Itoa(u.ID),
		Details:      map[string]string{"user_name": u.Name, "previous_global_access": st.audit.describe()},
	}
	if st.contained() {
		out.Status, out.Reason = actions.StatusSkipped, AlreadyContained
		return out, nil
	}
	steps, unremovable := removalSteps(strconv.Itoa(u.ID), st)
	res := c.removeAll(ctx, steps)
	if res.abort != nil {
		return actions.Outcome{}, fmt.Errorf("quarantine %s: %w%s", a.User, res.abort, res.doneNote())
	}
	remaining := append(unremovable, res.failedWhat()...)
	if len(res.done) == 0 {
		return actions.Outcome{}, res.nothingRemoved(a.User, remaining)
	}
	return res.outcome(out, st, remaining), nil
}

// removalSteps lists the writes that remove st, global role first (it
// grants the most), then application roles, team roles and memberships;
// and, in words, the access no write can remove (names the audit gave
// that matched no team or application id).
func removalSteps(id string, st accessState) ([]step, []string) {
	var steps []step
	var unremovable []string
	if g, ok := st.audit.globalRoleID(); !ok || g != NoGlobalAccess {
		steps = append(steps, step{what: "remove global " + st.audit.describe(), key: keyGlobal, path: updatePath(id), form: quarantineForm(),
			apply: func(s *accessState) { s.audit.HasGlobalGroupAccess, s.audit.GlobalRole = false, nil }})
	}
	for _, ar := range st.apps {
		if ar.AppID == 0 {
			unremovable = append(unremovable, describeAppRole(ar)+" (no single application of that name in GET teams)")
			continue
		}
		steps = append(steps, step{what: "remove " + describeAppRole(ar), key: keyApps, path: deletePath(appRolePath(id)),
			form: url.Values{"appId": {ids(ar.AppID)}}, apply: func(s *accessState) { s.apps = without(s.apps, ar) }})
	}
	for _, tr := range st.teams {
		if tr.TeamID == 0 {
			unremovable = append(unremovable, describeTeamRole(tr)+" (no single team of that name in GET teams)")
			continue
		}
		steps = append(steps, step{what: "remove " + describeTeamRole(tr), key: keyTeams, path: deletePath(teamRolePath(id)),
			form: url.Values{"teamId": {ids(tr.TeamID)}}, apply: func(s *accessState) { s.teams = without(s.teams, tr) }})
	}
	for _, g := range st.groups {
		steps = append(steps, step{what: "remove " + describeGroup(g), key: keyGroups, path: groupPath(ids(g.GroupID), opRemoveUser, id),
			apply: func(s *accessState) { s.groups = without(s.groups, g) }})
	}
	return steps, unremovable
}

// without is list less every element equal to e.
func without[E comparable](list []E, e E) []E {
	return slices.DeleteFunc(slices.Clone(list), func(x E) bool { return x == e })
}

// removal is how a run of steps went.
type removal struct {
	done   []step
	calls  []actions.Call
	failed []failedStep
	abort  error
}

type failedStep struct {
	step step
	err  error
}

// removeAll sends every step, in order. A permanent refusal of one item
// (ThreadFix refusing that removal, a 4xx) does not stop the others:
// leaving an attacker fewer rights is better than leaving all of them.
// The run stops at the first transient error (the executor retries, and
// the retry reads the state again) and at a refusal of the key itself
// (wrong or restricted key), which every further write would meet too.
func (c *Client) removeAll(ctx context.Context, steps []step) removal {
	var r removal
	for _, s := range steps {
		call, err := c.send(ctx, s)
		switch {
		case err == nil:
			r.done, r.calls = append(r.done, s), append(r.calls, call)
		case !actions.IsPermanent(err) || keyRefused(err):
			r.abort = err
			return r
		default:
			r.failed = append(r.failed, failedStep{step: s, err: err})
		}
	}
	return r
}

// keyRefused reports whether ThreadFix refused the API key itself.
func keyRefused(err error) bool {
	var ae *APIError
	return errors.As(err, &ae) && (ae.AuthFailed() || ae.Restricted())
}

func (r removal) doneWhat() []string {
	out := make([]string, len(r.done))
	for i, s := range r.done {
		out[i] = strings.TrimPrefix(s.what, "remove ")
	}
	return out
}

func (r removal) failedWhat() []string {
	out := make([]string, len(r.failed))
	for i, f := range r.failed {
		out[i] = fmt.Sprintf("%s (%v)", strings.TrimPrefix(f.step.what, "remove "), f.err)
	}
	return out
}

// doneNote names, on an aborted run, what was removed before the failure:
// the retry reads the state again, so its result will not list them.
func (r removal) doneNote() string {
	if len(r.done) == 0 {
		return ""
	}
	return " (removed before this failure: " + strings.Join(r.doneWhat(), "; ") + "; a retry reads the state again and removes the rest)"
}

// nothingRemoved is the failure of a quarantine that removed nothing: it
// wraps the first refusal, so that its class and status stay readable.
func (r removal) nothingRemoved(ref actions.UserRef, remaining []string) error {
	msg := "no access could be removed; remaining access: " + strings.Join(remaining, "; ")
	if len(r.failed) == 0 {
		return actions.Permanent(fmt.Errorf("quarantine %s: %s", ref, msg))
	}
	return fmt.Errorf("quarantine %s: %w (%s)", ref, r.failed[0].err, msg)
}

// outcome is the completed quarantine: Before and After hold the keys
// some removal changed, the reason names what went and, prominently, what
// remains.
func (r removal) outcome(out actions.Outcome, before accessState, remaining []string) actions.Outcome {
	after := before
	var keys []string
	for _, s := range r.done {
		s.apply(&after)
		if !slices.Contains(keys, s.key) {
			keys = append(keys, s.key)
		}
	}
	out.Status, out.Calls = actions.StatusCompleted, r.calls
	out.Before, out.After = before.values(keys...), after.values(keys...)
	out.Reason = "access removed: " + strings.Join(r.doneWhat(), "; ")
	out.Details["removed"] = strings.Join(r.doneWhat(), "; ")
	out.Details["containment"] = "complete"
	if len(remaining) > 0 {
		out.Reason += "; REMAINING ACCESS, not removed: " + strings.Join(remaining, "; ")
		out.Details["remaining_access"] = strings.Join(remaining, "; ")
		out.Details["containment"] = "partial"
	}
	return out
}

// planQuarantine is what a dry run reports: the reads, then one removal of
// each kind, with {id}, {appId}, {teamId} and {groupId} where only the
// reads would tell. Each removal is sent only if the user holds that kind
// of access.
func planQuarantine(a actions.Action) []actions.Call {
	id := userIDOrPlaceholder(a.User)
	calls := append([]actions.Call{planResolve()}, planState()...)
	for _, s := range []step{
		{path: updatePath(id), form: quarantineForm()},
		{path: deletePath(appRolePath(id)), form: url.Values{"appId": {"{appId}"}}},
		{path: deletePath(teamRolePath(id)), form: url.Values{"teamId": {"{teamId}"}}},
		{path: groupPath("{groupId}", opRemoveUser, id)},
	} {
		calls = append(calls, s.plan())
	}
	return calls
}
