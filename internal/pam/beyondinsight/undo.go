package beyondinsight

import (
	"context"
	"fmt"
	"sort"
	"strconv"

	"github.com/quell-dev/quell/internal/actions"
	"github.com/quell-dev/quell/internal/pam"
)

// Why an undo of these kinds is refused. BeyondInsight's public API has
// POST Users/{id}/Quarantine and nothing that reverses it (the API index
// lists no such call); the console's user form has an "Account
// Quarantined" option (docs.beyondtrust.com/bips/docs/configure-user).
const (
	undoQuarantineRefused = "not undone: BeyondInsight's public API cannot lift a quarantine (it has POST Users/{id}/Quarantine and no call that reverses it); " +
		"an administrator lifts it in the BeyondInsight console: Configuration > Role Based Access > User Management > Users, " +
		"open the user's details and clear Account Quarantined"
	undoRotateRefused = "not undone: a recycled client secret cannot be restored: the previous secret stopped working when it was recycled, " +
		"and the API only issues new ones"
	undoTerminateRefused = "not undone: terminated requests and sessions cannot be restarted; the user requests access again"
)

// checkUndo refuses, before any request, an undo that does not say what
// it reverses, or whose recorded state cannot be written back.
func checkUndo(a actions.Action) error {
	s := a.Undo
	switch {
	case s == nil:
		return actions.Permanent(fmt.Errorf("%s undo: does not say which action it reverses", Kind))
	case s.Kind == actions.AddGroup || s.Kind == actions.RemoveGroup:
		_, err := parseGroupRef(s.Kind, s.Params)
		return err
	case s.Kind == actions.UpdateAttributes && len(s.Before) == 0:
		return actions.Permanent(fmt.Errorf("%s undo of %s: it recorded no attributes to restore", Kind, s.Of))
	}
	return nil
}

// undo reverses a completed action: the inverse membership change for
// add_group and remove_group, the recorded attributes for
// update_attributes, each only while the state is still the one the action
// left ([actions.UndoSpec.CheckUnchanged]) unless forced. The other kinds are
// refused before any request.
func (c *Client) undo(ctx context.Context, a actions.Action) (actions.Outcome, error) {
	s := *a.Undo
	switch s.Kind {
	case actions.AddGroup, actions.RemoveGroup:
		return c.undoMembership(ctx, a)
	case actions.UpdateAttributes:
		return c.undoAttributes(ctx, a)
	case actions.Quarantine:
		return actions.UndoRefused(undoQuarantineRefused, s.TargetUserID), nil
	case actions.RotateClientSecret:
		return actions.UndoRefused(undoRotateRefused, s.TargetUserID), nil
	case actions.TerminateSessions:
		return actions.UndoRefused(undoTerminateRefused, s.TargetUserID), nil
	}
	return actions.UndoRefused(fmt.Sprintf("not undone: %s cannot reverse %s", Kind, s.Kind), s.TargetUserID), nil
}

// undoUser is who an undo acts on: the target id the reversed action
// recorded, else the undo's own user reference.
func undoUser(a actions.Action) actions.UserRef {
	if a.Undo.TargetUserID != "" {
		return actions.UserRef{TargetID: a.Undo.TargetUserID}
	}
	return a.User
}

// undoMembership reads the user's groups and, if they are still as the
// action left them, makes the inverse change.
func (c *Client) undoMembership(ctx context.Context, a actions.Action) (actions.Outcome, error) {
	s := *a.Undo
	v, err := c.readMembership(ctx, a.Kind, undoUser(a), s.Params)
	if err != nil {
		return actions.Outcome{}, err
	}
	names := make([]string, len(v.groups))
	for i, g := range v.groups {
		names[i] = g.Name
	}
	if r := s.CheckUnchanged(map[string]any{keyMemberOf: sortedNames(names)}); r != "" {
		return actions.UndoRefused(r, strconv.Itoa(v.u.UserID)), nil
	}
	out, err := c.applyMembership(ctx, a.Kind, v, s.Kind == actions.RemoveGroup)
	return undone(out, s.Of), err
}

// undoAttributes reads the user and, if the attributes are still as the
// action left them, writes the recorded ones back (see writeAttributes,
// which keeps the quarantine and activity as they are).
func (c *Client) undoAttributes(ctx context.Context, a actions.Action) (actions.Outcome, error) {
	s := *a.Undo
	u, err := c.resolve(ctx, undoUser(a))
	if err != nil {
		return actions.Outcome{}, fmt.Errorf("undo %s: %w", s.Of, err)
	}
	if r := s.CheckUnchanged(attributes(u, keysOf(s.After))); r != "" {
		return actions.UndoRefused(r, strconv.Itoa(u.UserID)), nil
	}
	out, err := c.writeAttributes(ctx, u, actions.UpdateAttributes, s.Before)
	return undone(out, s.Of), err
}

// undone words an undo's outcome: what it did, or that the state already
// was the one before the reversed action.
func undone(out actions.Outcome, of string) actions.Outcome {
	switch out.Status {
	case actions.StatusSkipped:
		out.Reason = "already as before " + of + " (" + out.Reason + ")"
	case actions.StatusCompleted:
		out.Reason = "undid " + of + ": " + out.Reason
	}
	return out
}

// planUndo is what a dry run of an undo reports: the reads, then the write
// that would restore the state; nothing for a kind that is refused.
func planUndo(a actions.Action) []actions.Call {
	s := *a.Undo
	who := undoUser(a)
	switch s.Kind {
	case actions.AddGroup, actions.RemoveGroup:
		inverse := actions.Action{Kind: actions.AddGroup, User: who, Params: s.Params}
		if s.Kind == actions.AddGroup {
			inverse.Kind = actions.RemoveGroup
		}
		return planMembership(inverse, inverse.Kind == actions.AddGroup)
	case actions.UpdateAttributes:
		return []actions.Call{planResolve(who), updateRequest(pam.PlannedUserID(who), nil).planned()}
	}
	return nil
}

func keysOf(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
