package chaos

import (
	"fmt"
	"sort"
	"strings"

	"github.com/quell-dev/quell/internal/actions"
	"github.com/quell-dev/quell/internal/pam/simkit"
)

// effects attributes every write the targets saw to its action and
// classifies it: a duplicate repeats what an earlier write for the same
// action already made; a wrong effect touches a protected account, or
// nothing Quell planned asked for it (no action id, an unknown one, another
// target's, another user).
func (c *checker) effects() {
	targets := make([]string, 0, len(c.obs.Effects))
	for t := range c.obs.Effects {
		targets = append(targets, t)
	}
	sort.Strings(targets)
	for _, target := range targets {
		seen := map[string]bool{}
		for _, ef := range c.obs.Effects[target] {
			row := c.rows["other"]
			if s, ok := c.scenario[ef.ActionID]; ok {
				row = c.rows[s]
			}
			row.Effects++
			if why := c.wrong(target, ef); why != "" {
				row.Wrong++
				c.problem(fmt.Sprintf("WRONG effect on %s: %s %s (user %q, action %q): %s", target, ef.Method, ef.Path, ef.Name, ef.ActionID, why))
				continue
			}
			key := ef.ActionID + " " + ef.Key
			if ef.Key == "" {
				key = ef.ActionID + " " + ef.Method + " " + ef.Path
			}
			// Without state, a repeat of the same request is the duplicate;
			// with state, a repeat that changed nothing.
			if seen[key] && (ef.Key == "" || !ef.Changed) {
				row.Duplicates++
				c.problem(fmt.Sprintf("DUPLICATE effect on %s: %s %s (user %q) for action %s, already made by an earlier write",
					target, ef.Method, ef.Path, ef.Name, ef.ActionID))
			}
			seen[key] = true
		}
	}
}

func (c *checker) wrong(target string, ef simkit.Effect) string {
	if c.obs.Protected[strings.ToLower(ef.Name)] {
		return "a protected account"
	}
	if ef.ActionID == "" {
		return "no action id: no rule asked for it"
	}
	a, ok := c.obs.Actions[ef.ActionID]
	if !ok {
		return "an action Quell never planned"
	}
	if a.Target != target {
		return "the action is for target " + a.Target
	}
	if ef.Name != "" && a.User.Username != "" && !strings.EqualFold(ef.Name, a.User.Username) {
		return "the action is about " + a.User.Username
	}
	return ""
}

// backedCompletions checks that every completed result has a write of its
// own (its action id) in its target's effect log: a result that claims an
// effect someone else made misleads whoever reads the audit trail.
func (c *checker) backedCompletions() {
	wrote := map[string]bool{}
	for target, efs := range c.obs.Effects {
		for _, ef := range efs {
			wrote[target+" "+ef.ActionID] = true
		}
	}
	ids := make([]string, 0, len(c.obs.Results))
	for id := range c.obs.Results {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		final := finalResults(c.obs.Results[id])
		if len(final) != 1 || final[0].Status != actions.StatusCompleted || final[0].Action.DryRun {
			continue
		}
		if a := final[0].Action; !wrote[a.Target+" "+id] {
			row := c.rows["other"]
			if s, ok := c.scenario[id]; ok {
				row = c.rows[s]
			}
			row.Unbacked++
			c.problem(fmt.Sprintf("UNBACKED completion: action %s (%s) completed (%s) with no write of its own on %s",
				id, describe(a), final[0].Reason, a.Target))
		}
	}
}
