package actions

import (
	"context"
	"fmt"
	"net/http"
	"strings"
)

// DetailEffect is the Details key that says who most likely made an effect
// found already in place; its value is EffectEarlierAttempt.
const (
	DetailEffect         = "effect"
	EffectEarlierAttempt = "earlier_attempt"
)

// attribute reports an effect found already in place after one of Quell's
// own attempts may have made it: a write sent without hearing the answer,
// or an attempt interrupted while it held the lease. The result then says
// Quell most likely made the change, and lists the call, rather than
// record it as someone else's.
func (e *Executor) attribute(ctx context.Context, t Target, a Action, l Lease, out Outcome) Outcome {
	calls, how := l.Unanswered, "its answer was lost"
	if len(calls) == 0 {
		calls, how = e.plannedWrites(ctx, t, a, out.TargetUserID), "the attempt that sent it was interrupted"
	}
	described := make([]string, len(calls))
	for i, c := range calls {
		described[i] = c.Method + " " + c.Path
	}
	what := "an earlier call"
	if len(described) > 0 {
		what = strings.Join(described, ", ")
	}
	out.Status = StatusCompleted
	out.Reason = fmt.Sprintf("%s: most likely by Quell's own earlier %s (%s); state verified before acting again", out.Reason, what, how)
	out.Calls = calls
	if out.Details == nil {
		out.Details = map[string]string{}
	}
	out.Details[DetailEffect] = EffectEarlierAttempt
	return out
}

// plannedWrites is what an interrupted attempt would have sent: the
// target's dry-run plan of a, without its reads, with the user's id filled
// in where the plan could not know it.
func (e *Executor) plannedWrites(ctx context.Context, t Target, a Action, userID string) []Call {
	a.DryRun = true
	plan, err := t.Execute(ctx, a)
	if err != nil {
		return nil
	}
	var out []Call
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
