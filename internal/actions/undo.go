package actions

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
)

// Undo reverses a completed action exactly: it restores the state the
// action's result recorded as Before, after checking that the state is
// still the one the action left (After). A responder requests it
// (quellctl action undo); policy never plans it, so [ParseKind] does not
// accept it.
const Undo Kind = "undo"

// UndoSpec is what an undo carries of the action it reverses, copied from
// that action's request and result.
type UndoSpec struct {
	// Of is the id of the action reversed; Kind and Params are its own.
	Of     string         `json:"of"`
	Kind   Kind           `json:"kind"`
	Params map[string]any `json:"params,omitempty"`
	// TargetUserID is the target's id of the user the action changed.
	TargetUserID string `json:"target_user_id,omitempty"`
	// Before and After are the original result's [Outcome.Before] and After.
	Before map[string]any `json:"before,omitempty"`
	After  map[string]any `json:"after,omitempty"`
	// Force restores Before even when the state is no longer After.
	Force bool `json:"force,omitempty"`
}

// UndoRefused is what an undo reports when it will not restore: skipped,
// refused (the result's guard is "refused"), with the reason. It is a
// decision, not a failure, so nothing is dead-lettered: a forced undo is a
// new request.
func UndoRefused(reason, targetUserID string) Outcome {
	return Outcome{Status: StatusSkipped, Refused: true, Reason: reason, TargetUserID: targetUserID}
}

// NewUndo builds the undo of the completed action orig with its result's
// outcome out. It refuses an undo of an undo, and an action that changed
// nothing (nothing to reverse). Its id is derived from orig's id and force,
// so asking twice is one undo, and a forced undo after a refused one is new.
func NewUndo(orig Action, out Outcome, status Status, requestedBy, reason string, force bool) (Action, error) {
	switch {
	case orig.Kind == Undo:
		return Action{}, Permanent(fmt.Errorf("%s is itself an undo: an undo of an undo is refused (request the original action again instead)", orig.ID))
	case orig.DryRun:
		return Action{}, Permanent(fmt.Errorf("%s was a dry run: it changed nothing", orig.ID))
	case status != StatusCompleted:
		return Action{}, Permanent(fmt.Errorf("%s is %s, not completed: it changed nothing to undo", orig.ID, status))
	case len(out.Before) == 0:
		return Action{}, Permanent(fmt.Errorf("%s recorded no state from before it: it cannot be restored", orig.ID))
	}
	user := orig.User
	if out.TargetUserID != "" {
		user = UserRef{TargetID: out.TargetUserID}
	}
	a := Action{Kind: Undo, Target: orig.Target, User: user, Reason: reason, RequestedBy: requestedBy,
		Undo: &UndoSpec{Of: orig.ID, Kind: orig.Kind, Params: orig.Params, TargetUserID: out.TargetUserID,
			Before: out.Before, After: out.After, Force: force}}
	a.ID = NewID(orig.ID, "undo", Undo, a.Target, user, map[string]any{"force": force}, false)
	return a, nil
}

// CheckUnchanged compares the state read now with the state the reversed
// action left (s.After), key by key, as JSON values. It returns "" when
// they match or s.Force is set, else the refusal's reason listing every
// difference.
func (s UndoSpec) CheckUnchanged(current map[string]any) string {
	diff := StateDiff(s.After, current)
	if len(diff) == 0 || s.Force {
		return ""
	}
	return fmt.Sprintf("not undone: the state changed since %s: %s (undo with --force to restore the earlier state anyway)", s.Of, strings.Join(diff, "; "))
}

// StateDiff lists, sorted, each key of want whose value in got differs:
// "global_role_id is 3, the action left -1".
func StateDiff(want, got map[string]any) []string {
	var out []string
	for k, w := range want {
		if g := got[k]; CanonicalJSON(g) != CanonicalJSON(w) {
			out = append(out, fmt.Sprintf("%s is %s, the action left %s", k, CanonicalJSON(g), CanonicalJSON(w)))
		}
	}
	sort.Strings(out)
	return out
}

// CanonicalJSON is v as canonical JSON, so that 3 and 3.0, or a []string
// and the []any it decodes to, compare equal: a recorded state decoded
// from a stored result against the same state read now.
func CanonicalJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	var norm any
	if json.Unmarshal(b, &norm) != nil {
		return string(b)
	}
	b, _ = json.Marshal(norm)
	return string(b)
}
