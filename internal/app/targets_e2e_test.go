package app_test

import (
	"testing"
	"time"

	"github.com/quell-dev/quell/internal/actions"
	tfsim "github.com/quell-dev/quell/internal/pam/threadfix/sim"
	"github.com/quell-dev/quell/internal/quelltest"
)

const quarantineOnEveryTarget = `
policy:
  rules:
    - name: quarantine-everywhere
      when: 'data.severity >= 70'
      actions:
        - {action: quarantine, target: bi, user: data.user}
        - {action: quarantine, target: tf, user: data.user}
        - {action: quarantine, target: cv, user: data.user}
`

// One alert quarantines the user on every target: BeyondInsight,
// ThreadFix (global role removed) and Commvault (disabled), each through
// its own client.
func TestAlertQuarantinesOnEveryTargetKind(t *testing.T) {
	t.Parallel()
	p := quelltest.StartPipeline(t, quelltest.PipelineOptions{Policy: quarantineOnEveryTarget})
	if status, body := p.PostAlert(t, `{"user":"jdoe","severity":90}`, ""); status != 202 {
		t.Fatalf("post: %d %s", status, body)
	}
	res := p.WaitResults(t, 3, 15*time.Second)
	byTarget := map[string]actions.Status{}
	for _, r := range res {
		byTarget[r.Action.Target] = r.Status
	}
	if byTarget["bi"] != actions.StatusCompleted || byTarget["tf"] != actions.StatusCompleted || byTarget["cv"] != actions.StatusCompleted {
		t.Fatalf("results by target: %v", byTarget)
	}
	if u, _ := p.BI.User(12); !u.IsQuarantined {
		t.Fatal("BeyondInsight user not quarantined")
	}
	if u, _ := p.TF.User(3); u.GlobalRoleID != tfsim.NoGlobalAccess {
		t.Fatalf("ThreadFix user keeps global role %d", u.GlobalRoleID)
	}
	if u, _ := p.CV.User(5); u.Enabled {
		t.Fatal("Commvault user still enabled")
	}
}
