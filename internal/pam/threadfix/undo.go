package threadfix

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"github.com/quell-dev/quell/internal/actions"
)

// checkUndo refuses an undo that does not say what it reverses.
func checkUndo(a actions.Action) error {
	if a.Undo == nil || a.Undo.Of == "" {
		return actions.Permanent(errors.New("undo: the action does not say which action it reverses"))
	}
	return nil
}

// undo reverses a quarantine or an update_attributes. Every other kind is
// refused: Quell never carries one out on ThreadFix, so there is nothing
// of it to restore.
func (c *Client) undo(ctx context.Context, a actions.Action) (actions.Outcome, error) {
	switch a.Undo.Kind {
	case actions.Quarantine:
		return c.undoQuarantine(ctx, a)
	case actions.UpdateAttributes:
		return c.undoUpdate(ctx, a)
	}
	return actions.UndoRefused(fmt.Sprintf("not undone: ThreadFix targets do not carry out %s, so %s changed nothing here to restore",
		a.Undo.Kind, a.Undo.Of), a.Undo.TargetUserID), nil
}

// planUndo lists the reads and the writes an undo may make.
func planUndo(a actions.Action) []actions.Call {
	id := userIDOrPlaceholder(a.User)
	switch a.Undo.Kind {
	case actions.Quarantine:
		calls := append([]actions.Call{planResolve()}, planState()...)
		for _, s := range restoreTemplate(id) {
			calls = append(calls, s.plan())
		}
		return calls
	case actions.UpdateAttributes:
		ch, err := parseChange(restorableAttrs(a.Undo.Before))
		if err != nil {
			return nil
		}
		calls := []actions.Call{planResolve()}
		if ch.globalRole != nil {
			calls = append(calls, planAudit())
		}
		return append(calls, actions.Call{Method: http.MethodPost, Path: updatePath(id), Body: formBody(ch.form())})
	}
	return nil
}

// unchangedSince compares the state read now with the state the reversed
// action left, forgiving the undo's own progress: a value already back at
// Before (a retry after a partial restore) counts as still After, and so
// does a list holding, beyond After, only items of Before. It returns
// CheckUnchanged's refusal reason, or "".
func unchangedSince(spec *actions.UndoSpec, current map[string]any) string {
	adjusted := make(map[string]any, len(current))
	for k, cur := range current {
		adjusted[k] = forgiveProgress(cur, spec.Before[k], spec.After[k])
	}
	return spec.CheckUnchanged(adjusted)
}

func forgiveProgress(cur, before, after any) any {
	if actions.CanonicalJSON(cur) == actions.CanonicalJSON(before) {
		return after
	}
	curList, ok1 := asList(cur)
	beforeList, ok2 := asList(before)
	afterList, ok3 := asList(after)
	if !ok1 || !ok2 || !ok3 {
		return cur
	}
	restoredByUndo := map[string]bool{}
	for _, b := range beforeList {
		restoredByUndo[actions.CanonicalJSON(b)] = true
	}
	for _, a := range afterList {
		delete(restoredByUndo, actions.CanonicalJSON(a))
	}
	out := []any{}
	for _, item := range curList {
		if !restoredByUndo[actions.CanonicalJSON(item)] {
			out = append(out, item)
		}
	}
	return out
}

// asList reads v as a JSON array, whatever Go type holds it.
func asList(v any) ([]any, bool) {
	b, err := json.Marshal(v)
	if err != nil || len(b) == 0 || b[0] != '[' {
		return nil, false
	}
	var list []any
	if json.Unmarshal(b, &list) != nil {
		return nil, false
	}
	return list, true
}

// decodeInto reads a recorded state value (as JSON decoded it, or as Go
// values when the result never left the process) into out.
func decodeInto(v any, out any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, out)
}

// keysOf lists m's keys.
func keysOf(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	return keys
}

// undoOutcome is the base of an undo's outcome for user u.
func undoOutcome(u user) actions.Outcome {
	return actions.Outcome{TargetUserID: strconv.Itoa(u.ID), Details: map[string]string{"user_name": u.Name}}
}
