package executor

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/quell-dev/quell/internal/actions"
)

// attribute reports an effect found already in place after one of this
// action's own attempts may have made it. A write sent without an answer
// most likely made it: the result is completed and lists that call. An
// interrupted attempt with no recorded call may or may not have sent its
// write, and another action on the same user may have run since (the user
// lock expired with the lease), so claiming the effect would be a guess:
// the result stays skipped and names the write the attempt would have sent.
func (e *Executor) attribute(ctx context.Context, t actions.Target, a actions.Action, l actions.Lease, out actions.Outcome) actions.Outcome {
	if out.Details == nil {
		out.Details = map[string]string{}
	}
	if len(l.Unanswered) == 0 {
		what := "its write"
		if planned := describeCalls(e.plannedWrites(ctx, t, a, out.TargetUserID)); planned != "" {
			what = planned
		}
		out.Reason = fmt.Sprintf("%s (an earlier attempt of this action was interrupted and may have made this change: it would have sent %s; state verified before acting)", out.Reason, what)
		out.Details[actions.DetailEffect] = actions.EffectPossiblyEarlierAttempt
		return out
	}
	out.Status = actions.StatusCompleted
	out.Reason = fmt.Sprintf("%s: most likely by Quell's own earlier %s (its answer was lost); state verified before acting again", out.Reason, describeCalls(l.Unanswered))
	out.Calls = l.Unanswered
	out.Details[actions.DetailEffect] = actions.EffectEarlierAttempt
	return out
}

func describeCalls(calls []actions.Call) string {
	described := make([]string, len(calls))
	for i, c := range calls {
		described[i] = c.Method + " " + c.Path
	}
	return strings.Join(described, ", ")
}

// plannedWrites is what an interrupted attempt would have sent: the
// target's dry-run plan of a, without its reads, with the user's id filled
// in where the plan could not know it.
func (e *Executor) plannedWrites(ctx context.Context, t actions.Target, a actions.Action, userID string) []actions.Call {
	a.DryRun = true
	plan, err := t.Execute(ctx, a)
	if err != nil {
		return nil
	}
	var out []actions.Call
	for _, c := range plan.Calls {
		if c.Method == http.MethodGet || c.Method == http.MethodHead {
			continue
		}
		if userID != "" {
			c.Path = strings.ReplaceAll(c.Path, "{id}", userID)
		}
		out = append(out, c)
	}
	return out
}
