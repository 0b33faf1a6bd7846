package app_test

import (
	"strings"
	"testing"
	"time"

	"github.com/quell-dev/quell/internal/actions"
	"github.com/quell-dev/quell/internal/dlq"
	"github.com/quell-dev/quell/internal/events"
	"github.com/quell-dev/quell/internal/quelltest"
)

func TestGlobalDryRunCallsNothing(t *testing.T) {
	t.Parallel()
	p := quelltest.StartPipeline(t, quelltest.PipelineOptions{Extra: "safety: {dry_run: true}"})
	acceptAlert(t, p, `{"user":"asmith","severity":90}`)
	res := p.WaitResults(t, 1, 15*time.Second)
	r := res[0]
	if r.Status != actions.StatusSkipped || r.Reason != "dry run" || !r.Action.DryRun || len(r.Outcome.Calls) == 0 {
		t.Fatalf("result %+v", r)
	}
	if n := len(p.BI.Requests()); n != 0 {
		t.Fatalf("dry run sent %d requests to the target", n)
	}
}

func TestRuleThatCannotBuildItsActionIsDeadLettered(t *testing.T) {
	t.Parallel()
	p := quelltest.StartPipeline(t, quelltest.PipelineOptions{Policy: `
policy:
  rules:
    - name: by-upn
      when: 'data.severity >= 70'
      actions:
        - {action: quarantine, target: bi, user: data.user.upn}
`})
	acceptAlert(t, p, `{"user":"asmith","severity":90}`)
	var reason string
	quelltest.Eventually(t, 10*time.Second, "plan-stage DLQ entry", func() bool {
		msgs := quelltest.StreamMsgs(t, p.NATS.JS, events.StreamDLQ, "quell.dlq.plan")
		if len(msgs) == 1 {
			reason = msgs[0].Header.Get(dlq.HeaderReason)
		}
		return len(msgs) == 1
	})
	if !strings.Contains(reason, "rule by-upn") || !strings.Contains(reason, "upn") {
		t.Fatalf("reason %q", reason)
	}
	if n := len(p.BI.Requests()); n != 0 {
		t.Fatalf("%d target requests for an action that could not be built", n)
	}
}

func TestDryRunDoesNotBlockTheRealAction(t *testing.T) {
	t.Parallel()
	p := quelltest.StartPipeline(t, quelltest.PipelineOptions{})
	send := func(dryRun bool) {
		body := `{"action":"quarantine","target":"bi","user":"asmith","reason":"INC-7","dry_run":` + map[bool]string{true: "true", false: "false"}[dryRun] + `}`
		status, resp := postAPI(t, p, "/v1/actions", body, map[string]string{"Idempotency-Key": "INC-7"})
		if status != 202 {
			t.Fatalf("post: %d %s", status, resp)
		}
	}
	send(true)
	first := p.WaitResults(t, 1, 15*time.Second)
	if first[0].Status != actions.StatusSkipped || !first[0].Action.DryRun {
		t.Fatalf("dry run result %+v", first[0])
	}
	send(false)
	res := p.WaitResults(t, 2, 15*time.Second)
	if res[1].Status != actions.StatusCompleted || res[1].Action.ID == first[0].Action.ID {
		t.Fatalf("real run after a dry run: %+v", res[1])
	}
	if u, _ := p.BI.User(13); !u.IsQuarantined {
		t.Fatal("the real action did not run")
	}
}

func TestTargetDryRunCoversManualActions(t *testing.T) {
	t.Parallel()
	p := quelltest.StartPipeline(t, quelltest.PipelineOptions{TargetExtra: "dry_run: true"})
	status, body := postAPI(t, p, "/v1/actions", `{"action":"quarantine","target":"bi","user":"asmith","reason":"INC-8"}`, nil)
	if status != 202 {
		t.Fatalf("post: %d %s", status, body)
	}
	res := p.WaitResults(t, 1, 15*time.Second)
	if res[0].Status != actions.StatusSkipped || !res[0].Action.DryRun || res[0].Worker == "" {
		t.Fatalf("result %+v", res[0])
	}
	if n := len(p.BI.Requests()); n != 0 {
		t.Fatalf("a dry-run target got %d requests", n)
	}
}

func TestProtectedAccountsAreNeverActedOn(t *testing.T) {
	t.Parallel()
	p := quelltest.StartPipeline(t, quelltest.PipelineOptions{Extra: `safety: {protected: {users: ["asmith"]}}`})
	for _, u := range []string{"asmith", quelltest.BIRunAs} {
		acceptAlert(t, p, `{"user":"`+u+`","severity":99}`)
	}
	res := p.WaitResults(t, 2, 15*time.Second)
	for _, r := range res {
		if r.Status != actions.StatusSkipped || !strings.HasPrefix(r.Reason, "protected:") {
			t.Errorf("%s: %s %q", r.Action.User, r.Status, r.Reason)
		}
	}
	if n := len(p.BI.Requests()); n != 0 {
		t.Fatalf("%d requests reached the target for protected accounts", n)
	}
}

// Members of a protected group are never acted on, on the targets that can
// read group memberships; others are acted on as usual.
func TestProtectedGroupsAreNeverActedOn(t *testing.T) {
	t.Parallel()
	p := quelltest.StartPipeline(t, quelltest.PipelineOptions{
		Extra: `safety: {protected: {groups: ["pam users", "Helpdesk"]}}`,
		Policy: `
policy:
  rules:
    - name: quarantine
      when: 'data.severity >= 70'
      actions:
        - {action: quarantine, target: bi, user: data.user}
        - {action: quarantine, target: cv, user: data.user}
`})
	for _, u := range []string{"jdoe", "asmith"} {
		acceptAlert(t, p, `{"user":"`+u+`","severity":99}`)
	}
	res := p.WaitResults(t, 4, 15*time.Second)
	got := map[string]string{}
	for _, r := range res {
		got[r.Action.Target+" "+r.Action.User.Username] = string(r.Status) + "/" + r.Guard
	}
	want := map[string]string{
		"bi jdoe": "skipped/refused", "bi asmith": "skipped/refused", // both in "PAM Users" on BeyondInsight
		"cv jdoe": "completed/", "cv asmith": "skipped/refused", // only asmith is in Helpdesk on Commvault
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: %s, want %s", k, got[k], v)
		}
	}
	if n := p.BI.Count(quarantineRoute); n != 0 {
		t.Fatalf("%d BeyondInsight quarantines of protected users", n)
	}
}
