package app_test

import (
	"testing"
	"time"

	"github.com/quell-dev/quell/internal/actions"
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
	acceptAlert(t, p, `{"user":"jdoe","severity":90}`)
	res := p.WaitResults(t, 3, 15*time.Second)
	byTarget := map[string]actions.Status{}
	for _, r := range res {
		byTarget[r.Action.Target] = r.Status
	}
	if byTarget["bi"] != actions.StatusCompleted || byTarget["tf"] != actions.StatusCompleted || byTarget["cv"] != actions.StatusCompleted {
		t.Fatalf("results by target: %v", byTarget)
	}
	checkQuarantinedEverywhere(t, p, 12, 5, 3)
}
