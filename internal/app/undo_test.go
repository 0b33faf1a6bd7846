package app_test

import (
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/quell-dev/quell/internal/actions"
	"github.com/quell-dev/quell/internal/events"
	cvsim "github.com/quell-dev/quell/internal/pam/commvault/sim"
	"github.com/quell-dev/quell/internal/quelltest"
)

// actAndWait runs `quellctl action ... --wait --json` and returns the result.
func actAndWait(t *testing.T, p *quelltest.Pipeline, args ...string) events.ActionResult {
	t.Helper()
	out, err := runCLI(t, p, append([]string{"--json"}, append(args, "--wait")...)...)
	if err != nil {
		t.Fatalf("quellctl %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	var r events.ActionResult
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("quellctl %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return r
}

func undo(t *testing.T, p *quelltest.Pipeline, id string, extra ...string) events.ActionResult {
	t.Helper()
	return actAndWait(t, p, append([]string{"action", "undo", id, "--reason", "false positive"}, extra...)...)
}

// A Commvault quarantine is undone by re-enabling the user: through the
// pipeline, as a new action linked to the original; asking twice is one
// undo; an undo of the undo is refused.
func TestUndoCommvaultQuarantine(t *testing.T) {
	t.Parallel()
	p := quelltest.StartPipeline(t, quelltest.PipelineOptions{})
	q := actAndWait(t, p, "action", "quarantine", "--target", "cv", "--user", "jdoe", "--reason", "INC-1")
	if q.Status != actions.StatusCompleted || q.Outcome.Before["enabled"] != true || q.Outcome.After["enabled"] != false {
		t.Fatalf("quarantine %s %s before %v after %v", q.Status, q.Reason, q.Outcome.Before, q.Outcome.After)
	}
	if u, _ := p.CV.User(5); u.Enabled {
		t.Fatal("not disabled")
	}
	u := undo(t, p, q.Action.ID)
	if u.Status != actions.StatusCompleted || u.Action.Kind != actions.Undo || u.Action.Undo.Of != q.Action.ID {
		t.Fatalf("undo %s %s (%+v)", u.Status, u.Reason, u.Action.Undo)
	}
	if user, _ := p.CV.User(5); !user.Enabled {
		t.Fatal("the undo did not re-enable the user")
	}
	again := undo(t, p, q.Action.ID)
	if again.Action.ID != u.Action.ID {
		t.Fatalf("a second undo is another action: %s, %s", again.Action.ID, u.Action.ID)
	}
	if out, err := runCLI(t, p, "action", "undo", u.Action.ID, "--reason", "x"); err == nil || !strings.Contains(err.Error(), "undo of an undo") {
		t.Fatalf("undo of an undo: %v %s", err, out)
	}
	show, err := runCLI(t, p, "actions", "show", q.Action.ID)
	if err != nil || !strings.Contains(show, "Undone by "+u.Action.ID) || !strings.Contains(show, `before  {"enabled":true}`) {
		t.Fatalf("actions show does not link the undo: %v\n%s", err, show)
	}
}

// When the state changed since the action, the undo is refused with the
// difference; --force restores anyway, and only what the action did.
func TestUndoRefusedWhenStateChanged(t *testing.T) {
	t.Parallel()
	p := quelltest.StartPipeline(t, quelltest.PipelineOptions{})
	g := actAndWait(t, p, "action", "add_group", "--target", "cv", "--user", "jdoe", "--param", "group=Helpdesk", "--reason", "INC-2")
	if g.Status != actions.StatusCompleted || len(g.Outcome.After) == 0 {
		t.Fatalf("add_group %s %s after %v", g.Status, g.Reason, g.Outcome.After)
	}
	// Someone adds jdoe to another group since.
	user, _ := p.CV.User(5)
	user.AssociatedUserGroups = append(user.AssociatedUserGroups, cvsim.UserGroup{ID: 3})
	p.CV.PutUser(user)
	r := undo(t, p, g.Action.ID)
	if r.Status != actions.StatusSkipped || r.Guard != actions.GuardRefused ||
		!strings.Contains(r.Reason, "View All") || !strings.Contains(r.Reason, "the action left") || !strings.Contains(r.Reason, "--force") {
		t.Fatalf("undo after a change: %s %s %q", r.Status, r.Guard, r.Reason)
	}
	if !hasGroups(p, 5, 5, 4, 3) {
		t.Fatal("a refused undo changed the user")
	}
	f := undo(t, p, g.Action.ID, "--force")
	if f.Status != actions.StatusCompleted || f.Action.ID == r.Action.ID {
		t.Fatalf("forced undo %s %s (id %s, refused id %s)", f.Status, f.Reason, f.Action.ID, r.Action.ID)
	}
	if !hasGroups(p, 5, 5, 3) {
		t.Fatal("the forced undo did not remove exactly the group the action added")
	}
}

func hasGroups(p *quelltest.Pipeline, userID int, want ...int) bool {
	u, _ := p.CV.User(userID)
	got := map[int]bool{}
	for _, g := range u.AssociatedUserGroups {
		got[g.ID] = true
	}
	if len(got) != len(want) {
		return false
	}
	for _, id := range want {
		if !got[id] {
			return false
		}
	}
	return true
}

// A ThreadFix quarantine removes the user's team role (a user with no
// global role still had access); its undo gives the role back.
func TestUndoThreadFixQuarantine(t *testing.T) {
	t.Parallel()
	p := quelltest.StartPipeline(t, quelltest.PipelineOptions{})
	before, _ := p.TF.User(7) // tlead: no global role, a team Administrator role
	if len(before.TeamRoles) == 0 {
		t.Fatal("fixture: tlead has no team role")
	}
	q := actAndWait(t, p, "action", "quarantine", "--target", "tf", "--user", "tlead", "--reason", "INC-3")
	if q.Status != actions.StatusCompleted {
		t.Fatalf("quarantine %s %s", q.Status, q.Reason)
	}
	if u, _ := p.TF.User(7); len(u.TeamRoles) != 0 || len(u.AppRoles) != 0 || len(u.Groups) != 0 {
		t.Fatalf("access left after the quarantine: %+v", u)
	}
	r := undo(t, p, q.Action.ID)
	if r.Status != actions.StatusCompleted {
		t.Fatalf("undo %s %s", r.Status, r.Reason)
	}
	after, _ := p.TF.User(7)
	if after.GlobalRoleID != before.GlobalRoleID || !reflect.DeepEqual(after.TeamRoles, before.TeamRoles) ||
		!reflect.DeepEqual(after.AppRoles, before.AppRoles) || !reflect.DeepEqual(after.Groups, before.Groups) {
		t.Fatalf("after the undo %+v, before the quarantine %+v", after, before)
	}
}

// BeyondInsight: a group change is undone; a quarantine cannot be lifted
// through the public API, so its undo is refused, saying where an
// administrator lifts it, and nothing is sent.
func TestUndoBeyondInsight(t *testing.T) {
	t.Parallel()
	p := quelltest.StartPipeline(t, quelltest.PipelineOptions{})
	g := actAndWait(t, p, "action", "add_group", "--target", "bi", "--user", "jdoe", "--param", "group=Auditors", "--reason", "INC-4")
	if g.Status != actions.StatusCompleted {
		t.Fatalf("add_group %s %s", g.Status, g.Reason)
	}
	if r := undo(t, p, g.Action.ID); r.Status != actions.StatusCompleted {
		t.Fatalf("undo add_group %s %s", r.Status, r.Reason)
	}
	if grp, _ := p.BI.Group(3); slices.Contains(grp.Members, 12) {
		t.Fatal("the undo left jdoe in Auditors")
	}
	q := actAndWait(t, p, "action", "quarantine", "--target", "bi", "--user", "jdoe", "--reason", "INC-4")
	if q.Status != actions.StatusCompleted {
		t.Fatalf("quarantine %s %s", q.Status, q.Reason)
	}
	writes := len(p.BI.Requests())
	r := undo(t, p, q.Action.ID)
	if r.Status != actions.StatusSkipped || r.Guard != actions.GuardRefused || !strings.Contains(r.Reason, "User Management") {
		t.Fatalf("undo of a BeyondInsight quarantine: %s %s %q", r.Status, r.Guard, r.Reason)
	}
	for _, e := range p.BI.Requests()[writes:] {
		if e.Method != "GET" {
			t.Fatalf("the refused undo sent %s %s", e.Method, e.RelPath)
		}
	}
	if u, _ := p.BI.User(12); !u.IsQuarantined {
		t.Fatal("the quarantine was lifted")
	}
}
