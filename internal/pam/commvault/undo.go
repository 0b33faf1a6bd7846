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

// checkUndo refuses an undo that carries nothing to undo. Whether the
// original kind can be reversed is decided by undo (a refusal, not an
// error).
func checkUndo(a actions.Action) error {
	if a.Undo == nil {
		return actions.Permanent(errors.New("commvault undo: the action carries no undo (which action, what it changed)"))
	}
	return nil
}

// undo reverses a completed action of this target: quarantine and
// update_attributes by writing the recorded fields back, add_group and
// remove_group by the inverse operation. Each first reads the user: a
// state already equal to Before is skipped (so a repeated undo writes
// nothing); a state other than the one the action left is refused
// ([actions.UndoRefused], with the differences) unless Force.
func (c *Client) undo(ctx context.Context, a actions.Action) (actions.Outcome, error) {
	spec := *a.Undo
	switch spec.Kind {
	case actions.Quarantine, actions.UpdateAttributes:
		return c.undoFields(ctx, a)
	case actions.AddGroup, actions.RemoveGroup:
		return c.undoGroup(ctx, a)
	}
	return actions.UndoRefused(fmt.Sprintf("not undone: a commvault target cannot reverse %s (it reverses %s, %s, %s and %s)",
		spec.Kind, actions.Quarantine, actions.UpdateAttributes, actions.AddGroup, actions.RemoveGroup), spec.TargetUserID), nil
}

// undoFields writes Before back for the user fields a quarantine
// ("enabled") or an update_attributes (fullName, email,
// userPrincipalName, authenticationMethod) recorded.
func (c *Client) undoFields(ctx context.Context, a actions.Action) (actions.Outcome, error) {
	spec := *a.Undo
	if reason := restorable(spec); reason != "" {
		return actions.UndoRefused(reason, spec.TargetUserID), nil
	}
	u, err := c.resolve(ctx, a.User, true)
	if err != nil {
		return actions.Outcome{}, fmt.Errorf("undo %s of %s: %w", spec.Of, a.User, err)
	}
	id := strconv.Itoa(u.ID)
	out := actions.Outcome{TargetUserID: id, Details: map[string]string{"user_name": u.Name, "undo_of": spec.Of}}
	current := fieldState(u, spec.Before)
	if len(actions.StateDiff(spec.Before, current)) == 0 {
		out.Status, out.Reason = actions.StatusSkipped, "already as before "+spec.Of+": "+fieldList(spec.Before)
		return out, nil
	}
	if r := spec.CheckUnchanged(fieldState(u, spec.After)); r != "" {
		return actions.UndoRefused(r, id), nil
	}
	body := map[string]any{}
	for k, v := range spec.Before {
		if len(actions.StateDiff(map[string]any{k: v}, current)) > 0 {
			body[k] = v
		}
	}
	call, err := c.modifyUser(ctx, u, body)
	if err != nil {
		return actions.Outcome{}, fmt.Errorf("undo %s: %w", spec.Of, err)
	}
	out.Status, out.Reason, out.Calls = actions.StatusCompleted, "restored "+fieldList(body), []actions.Call{call}
	out.Before, out.After = fieldState(u, body), body
	return out, nil
}

// restorable explains why spec's Before cannot be written back, or is "".
// Only the fields the original kind changes are taken, with values the
// API can set: Commvault cannot clear a field, so an empty Before cannot
// be restored.
func restorable(spec actions.UndoSpec) string {
	if len(spec.Before) == 0 {
		return fmt.Sprintf("not undone: %s recorded no state from before it", spec.Of)
	}
	var bad []string
	for k, v := range spec.Before {
		switch {
		case spec.Kind == actions.Quarantine && k == fieldEnabled:
			if _, ok := v.(bool); !ok {
				bad = append(bad, fmt.Sprintf("%s is %v, not true or false", k, v))
			}
		case spec.Kind == actions.UpdateAttributes && isAttributeField(k):
			if s, ok := v.(string); !ok || strings.TrimSpace(s) == "" {
				bad = append(bad, fmt.Sprintf("%s was empty, and Commvault cannot clear a field", k))
			}
		default:
			bad = append(bad, fmt.Sprintf("%s is not a field %s changes", k, spec.Kind))
		}
	}
	if len(bad) == 0 {
		return ""
	}
	sort.Strings(bad)
	return fmt.Sprintf("not undone: cannot restore the state before %s: %s", spec.Of, strings.Join(bad, "; "))
}

func isAttributeField(f string) bool {
	_, ok := attributeByField(f)
	return ok
}

// fieldState is the user's current value of each field named in keys, in
// the form Before and After record them; a field Quell does not read is
// left out, which StateDiff reports as a difference.
func fieldState(u user, keys map[string]any) map[string]any {
	state := map[string]any{}
	for k := range keys {
		if k == fieldEnabled && u.Enabled != nil {
			state[k] = *u.Enabled
		} else if at, ok := attributeByField(k); ok {
			state[k] = at.get(u)
		}
	}
	return state
}

// undoGroup reverses add_group with DELETE and remove_group with ADD of
// the same group, and confirms it by reading the user back.
func (c *Client) undoGroup(ctx context.Context, a actions.Action) (actions.Outcome, error) {
	spec := *a.Undo
	g, err := groupParam(actions.Action{Kind: spec.Kind, Params: spec.Params})
	if err != nil {
		return actions.UndoRefused(fmt.Sprintf("not undone: %s recorded no usable group: %v", spec.Of, err), spec.TargetUserID), nil
	}
	u, err := c.resolve(ctx, a.User, true)
	if err != nil {
		return actions.Outcome{}, fmt.Errorf("undo %s of %s: %w", spec.Of, a.User, err)
	}
	id := strconv.Itoa(u.ID)
	out := actions.Outcome{TargetUserID: id, Details: map[string]string{"user_name": u.Name, "group": g.String(), "undo_of": spec.Of}}
	if len(actions.StateDiff(spec.Before, groupState(u))) == 0 {
		out.Status, out.Reason = actions.StatusSkipped, fmt.Sprintf("already as before %s: %s", spec.Of, fieldGroups)
		return out, nil
	}
	if r := spec.CheckUnchanged(groupState(u)); r != "" {
		return actions.UndoRefused(r, id), nil
	}
	op, done := opAdd, "added back to group "
	if spec.Kind == actions.AddGroup {
		op, done = opDelete, "removed again from group "
	}
	if isMember(u, g) == (op == opAdd) {
		out.Status, out.Reason = actions.StatusSkipped, fmt.Sprintf("already as before %s: membership of group %s", spec.Of, g)
		return out, nil
	}
	call, now, err := c.applyGroupOp(ctx, u, g, op)
	if err != nil {
		return actions.Outcome{}, fmt.Errorf("undo %s: %s %s: %w", spec.Of, op, g, err)
	}
	out.Status, out.Reason, out.Calls = actions.StatusCompleted, done+g.String(), []actions.Call{call}
	out.Before, out.After = groupState(u), groupState(now)
	return out, nil
}

// planUndo is what a dry run of an undo reports: the read, the write of
// Before (or the inverse group operation) and, for groups, the read that
// confirms it. An undo that would be refused plans nothing.
func planUndo(a actions.Action) []actions.Call {
	spec := *a.Undo
	id := pam.PlannedUserID(a.User)
	read := actions.Call{Method: http.MethodGet, Path: userPath(id)}
	switch spec.Kind {
	case actions.Quarantine, actions.UpdateAttributes:
		if restorable(spec) != "" {
			return nil
		}
		return []actions.Call{read, {Method: http.MethodPut, Path: userPath(id), Body: spec.Before}}
	case actions.AddGroup, actions.RemoveGroup:
		g, err := groupParam(actions.Action{Kind: spec.Kind, Params: spec.Params})
		if err != nil {
			return nil
		}
		op := opAdd
		if spec.Kind == actions.AddGroup {
			op = opDelete
		}
		return []actions.Call{read, {Method: http.MethodPut, Path: userPath(id), Body: groupBody(op, g)}, read}
	}
	return nil
}
