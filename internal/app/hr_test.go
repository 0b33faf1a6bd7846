package app_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/quell-dev/quell/internal/actions"
	"github.com/quell-dev/quell/internal/events"
	"github.com/quell-dev/quell/internal/quelltest"
)

const hrPolicy = `
policy:
  rules:
    - name: terminated-everywhere
      when: 'event.type == "dev.quell.hr.employee.v1" && data.change == "terminated"'
      actions:
        - {action: quarantine, target: "*", user: data.user}
    - name: hr-attribute-changes
      when: 'event.type == "dev.quell.hr.employee.v1" && data.change == "updated"'
      actions:
        - action: update_attributes
          target: cv
          user: data.user
          params: {email: data.changed_fields.workEmail, full_name: data.changed_fields.displayName}
`

func postHR(t *testing.T, p *quelltest.Pipeline, id string, data events.HREmployee) {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"specversion": "1.0", "id": id, "source": "/hr/bamboo", "type": events.TypeHREmployee,
		"datacontenttype": "application/json", "data": data})
	status, resp := postAPI(t, p, "/v1/events", string(body), map[string]string{"Content-Type": "application/cloudevents+json"})
	if status != 202 {
		t.Fatalf("post HR event: %d %s", status, resp)
	}
}

// A termination quarantines the person on every target where they have an
// account; where they have none, the action is skipped, not failed. An
// attribute change updates only the changed fields.
func TestHREventsActOnEveryTargetAndOnlyChangedFields(t *testing.T) {
	t.Parallel()
	p := quelltest.StartPipeline(t, quelltest.PipelineOptions{Policy: hrPolicy})
	postHR(t, p, "term-1", events.HREmployee{Change: "terminated", User: actions.UserRef{Username: "svc-pam-worker"}})
	res := p.WaitResults(t, 3, 15*time.Second)
	got := map[string]string{}
	for _, r := range res {
		got[r.Action.Target] = string(r.Status) + ": " + r.Reason
	}
	if got["bi"] != "completed: user quarantined" || got["cv"] != "skipped: no account on cv" || got["tf"] != "skipped: no account on tf" {
		t.Fatalf("termination results: %v", got)
	}

	postHR(t, p, "upd-1", events.HREmployee{Change: "updated", User: actions.UserRef{Username: "asmith"},
		ChangedFields: map[string]any{"workEmail": "alice.smith@example.com", "department": "Sales"}})
	res = p.WaitResults(t, 4, 15*time.Second)
	r := res[3]
	if r.Status != actions.StatusCompleted || len(r.Action.Params) != 1 || r.Action.Params["email"] != "alice.smith@example.com" {
		t.Fatalf("update result %+v", r)
	}
	if u, _ := p.CV.User(6); u.Email != "alice.smith@example.com" {
		t.Fatalf("Commvault email %q", u.Email)
	}
}
