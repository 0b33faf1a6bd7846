package threadfix

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/quell-dev/quell/internal/actions"
)

// undoUpdate sends the attributes an update_attributes changed back to
// their recorded values (its Before), after checking they are still what
// the update set (its After).
func (c *Client) undoUpdate(ctx context.Context, a actions.Action) (actions.Outcome, error) {
	attrs := restorableAttrs(a.Undo.Before)
	if dn, ok := attrs[actions.AttrDisplayName]; ok && dn == "" {
		return actions.UndoRefused("not undone: the display name was empty before and the Edit User API gives no documented way to clear it "+
			"(Quell never sends an empty value); clear it by hand in ThreadFix (Configuration > Users)", a.Undo.TargetUserID), nil
	}
	ch, err := parseChange(attrs)
	if err != nil {
		return actions.Outcome{}, actions.Permanent(fmt.Errorf("undo %s: the recorded attributes cannot be sent back: %w", a.Undo.Of, err))
	}
	u, err := c.resolve(ctx, a.User)
	if err != nil {
		return actions.Outcome{}, fmt.Errorf("undo %s: %w", a.Undo.Of, err)
	}
	access, err := c.accessFor(ctx, ch, u)
	if err != nil {
		return actions.Outcome{}, fmt.Errorf("undo %s: %w", a.Undo.Of, err)
	}
	current := userValues(u, access)
	for k := range current {
		if _, ok := a.Undo.After[k]; !ok {
			delete(current, k)
		}
	}
	if r := unchangedSince(a.Undo, current); r != "" {
		return actions.UndoRefused(r, strconv.Itoa(u.ID)), nil
	}
	out := undoOutcome(u)
	form := ch.diff(u, access)
	if len(form) == 0 {
		out.Status, out.Reason = actions.StatusSkipped, "already restored: attributes already equal"
		return out, nil
	}
	call, err := c.update(ctx, u, form)
	if err != nil {
		return actions.Outcome{}, fmt.Errorf("undo %s: %w", a.Undo.Of, err)
	}
	out.Status, out.Reason, out.Calls = actions.StatusCompleted, "restored "+fieldList(form), []actions.Call{call}
	out.Before, out.After = changeStates(u, access, ch, form)
	if form.Get("type") == TypeLocal {
		out.Details["note"] = "the user is LOCAL again, without a password Quell knows of (Quell never sets passwords): " +
			"set one in ThreadFix if the user signs in locally"
	}
	return out, nil
}

// restorableAttrs is a recorded Before as update_attributes parameters:
// null values dropped, and directory_id kept only with user_type LDAP
// (a null directory is what "not LDAP" records).
func restorableAttrs(before map[string]any) map[string]any {
	out := make(map[string]any, len(before))
	for k, v := range before {
		if v != nil {
			out[k] = v
		}
	}
	if t, _ := out[actions.AttrUserType].(string); !strings.EqualFold(t, TypeLDAP) {
		delete(out, actions.AttrDirectoryID)
	}
	return out
}
