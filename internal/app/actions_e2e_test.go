package app_test

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"filippo.io/age"

	"github.com/quell-dev/quell/internal/actions"
	tfsim "github.com/quell-dev/quell/internal/pam/threadfix/sim"
	"github.com/quell-dev/quell/internal/quelltest"
)

// Every action on every target kind that supports it, requested through
// the ingest and carried out by the worker against the simulators; each
// row checks the simulator's state afterwards. Unsupported pairs are
// refused by the ingest before anything is stored.
func TestEveryActionOnEveryTargetKind(t *testing.T) {
	t.Parallel()
	id, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	p := quelltest.StartPipeline(t, quelltest.PipelineOptions{
		TargetExtra: `secret_recipients: [{recipient: "` + id.Recipient().String() + `"}]`})
	rows := []struct {
		target, action, user string
		params               map[string]any
		done                 func() bool
	}{
		{"bi", "quarantine", "asmith", nil, func() bool { u, _ := p.BI.User(13); return u.IsQuarantined }},
		{"bi", "update_attributes", "jdoe", map[string]any{"first_name": "Johnny"}, func() bool { u, _ := p.BI.User(12); return u.FirstName == "Johnny" }},
		{"bi", "rotate_client_secret", "svc-pam-worker", nil, func() bool { return p.BI.ClientSecretFingerprint(57) != "" }},
		{"bi", "add_group", "jdoe", map[string]any{"group": "Auditors"}, func() bool { g, _ := p.BI.Group(3); return slices.Contains(g.Members, 12) }},
		{"bi", "remove_group", "asmith", map[string]any{"group": "id:2"}, func() bool { g, _ := p.BI.Group(2); return !slices.Contains(g.Members, 13) }},
		{"bi", "terminate_sessions", "jdoe", map[string]any{"reason": "INC-1"}, func() bool { return len(p.BI.ActiveRequests(12)) == 0 }},
		{"cv", "quarantine", "asmith", nil, func() bool { u, _ := p.CV.User(6); return !u.Enabled }},
		{"cv", "update_attributes", "jdoe", map[string]any{"full_name": "Johnathan Doe"}, func() bool { u, _ := p.CV.User(5); return u.FullName == "Johnathan Doe" }},
		{"cv", "add_group", "jdoe", map[string]any{"group": "Helpdesk"}, func() bool { u, _ := p.CV.User(5); return u.MemberOf(4) }},
		{"cv", "remove_group", "asmith", map[string]any{"group": "Helpdesk"}, func() bool { u, _ := p.CV.User(6); return !u.MemberOf(4) }},
		{"tf", "quarantine", "asmith", nil, func() bool { u, _ := p.TF.User(4); return u.GlobalRoleID == tfsim.NoGlobalAccess }},
		{"tf", "update_attributes", "jdoe", map[string]any{"display_name": "Johnny D"}, func() bool { u, _ := p.TF.User(3); return u.DisplayName == "Johnny D" }},
	}
	for i, r := range rows {
		status, body := postAction(t, p, r.target, r.action, r.user, r.params, fmt.Sprintf("row-%d", i))
		if status != 202 {
			t.Fatalf("%s %s: %d %s", r.target, r.action, status, body)
		}
	}
	res := p.WaitResults(t, len(rows), 30*time.Second)
	for _, r := range res {
		if r.Status != actions.StatusCompleted {
			t.Errorf("%s %s %s: %s %s", r.Action.Target, r.Action.Kind, r.Action.User, r.Status, r.Reason)
		}
	}
	for _, r := range rows {
		if !r.done() {
			t.Errorf("%s %s %s: the simulator's state did not change", r.target, r.action, r.user)
		}
	}
	for _, refused := range []struct{ target, action string }{
		{"cv", "rotate_client_secret"}, {"cv", "terminate_sessions"}, {"tf", "add_group"}, {"tf", "remove_group"},
		{"tf", "rotate_client_secret"}, {"tf", "terminate_sessions"},
	} {
		if status, body := postAction(t, p, refused.target, refused.action, "jdoe", nil, "refused"); status != 400 {
			t.Errorf("%s %s: %d %s, want 400", refused.target, refused.action, status, body)
		}
	}
}
