package app_test

import (
	"strings"
	"testing"
	"time"

	"github.com/quell-dev/quell/internal/actions"
	"github.com/quell-dev/quell/internal/quelltest"
)

// An alert accepted (202) while no worker runs survives a restart of NATS:
// once the worker starts it is acted on. The ingest reconnects by itself
// and accepts again after the restart.
func TestAcceptedAlertSurvivesNATSRestart(t *testing.T) {
	t.Parallel()
	p := quelltest.StartPipeline(t, quelltest.PipelineOptions{NoWorker: true})
	if status, body := p.PostAlert(t, `{"user":"asmith","severity":90}`, "msg_before"); status != 202 {
		t.Fatalf("post: %d %s", status, body)
	}
	p.NATS.Restart(t)
	quelltest.Eventually(t, 15*time.Second, "ingest accepting again", func() bool {
		status, _ := p.PostAlert(t, `{"user":"jdoe","severity":90}`, "msg_after")
		return status == 202
	})
	p.StartWorker(t)
	res := p.WaitResults(t, 2, 20*time.Second)
	users := ""
	for _, r := range res {
		if r.Status != actions.StatusCompleted {
			t.Errorf("%s: %s %s", r.Action.User, r.Status, r.Reason)
		}
		users += r.Action.User.Username + " "
	}
	if !strings.Contains(users, "asmith") || !strings.Contains(users, "jdoe") {
		t.Fatalf("results for %q", users)
	}
}
