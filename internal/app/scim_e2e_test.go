package app_test

import (
	"strings"
	"testing"
	"time"

	"github.com/quell-dev/quell/internal/actions"
	"github.com/quell-dev/quell/internal/config"
	"github.com/quell-dev/quell/internal/quelltest"
)

// scimPolicy is the example policy of docs/sources.md for SCIM sources.
const scimPolicy = `
policy:
  rules:
    - name: offboard-terminated
      when: 'event.type == "dev.quell.hr.employee.v1" && data.change == "terminated"'
      actions:
        - {action: quarantine, target: "*", user: data.user}
    - name: scim-attribute-changes
      when: 'event.type == "dev.quell.hr.employee.v1" && data.change == "updated" && data.source_kind == "scim"'
      actions:
        - action: update_attributes
          target: cv
          user: data.user
          params: {email: data.changed_fields.email, full_name: data.changed_fields.displayName}
`

const scimToken = "entra-scim-token-0123456789abcdef"

// startSCIMIngest runs a second ingest on the pipeline's NATS
// ([quelltest.Pipeline.StartIngest]) with ingest.scim on and a token that
// has only the scim scope, and returns its SCIM base URL.
func startSCIMIngest(t *testing.T, p *quelltest.Pipeline) string {
	t.Helper()
	return p.StartIngest(t, "entra", scimToken, []string{"scim"}, func(cfg *config.Config) {
		cfg.Ingest.SCIM = config.SCIM{Enabled: true, Source: "entra"}
	}) + "/scim/v2"
}

func scimDo(t *testing.T, method, url, token, body string) (int, string) {
	t.Helper()
	return quelltest.Do(t, method, url, body, map[string]string{"Authorization": "Bearer " + token, "Content-Type": "application/scim+json"})
}

// Entra ID provisions jdoe, updates their display name and then sends
// PATCH "active": "False": the update changes Commvault's full name, the
// deactivation quarantines jdoe on BeyondInsight, Commvault and ThreadFix.
func TestSCIMEntraDeactivationQuarantinesEverywhere(t *testing.T) {
	t.Parallel()
	p := quelltest.StartPipeline(t, quelltest.PipelineOptions{Policy: scimPolicy})
	base := startSCIMIngest(t, p)
	quelltest.Eventually(t, 15*time.Second, "SCIM endpoint", func() bool {
		st, _ := scimDo(t, "GET", base+`/Users?filter=userName+eq+%22jdoe%22`, scimToken, "")
		return st == 200
	})
	if st, body := scimDo(t, "GET", base+"/Users", quelltest.APIToken, ""); st != 403 {
		t.Fatalf("a token without the scim scope: %d %s", st, body)
	}
	st, body := scimDo(t, "POST", base+"/Users", scimToken, `{"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
	  "userName": "jdoe", "externalId": "jdoe", "active": true, "displayName": "John Doe",
	  "emails": [{"primary": true, "type": "work", "value": "jdoe@example.com"}]}`)
	if st != 201 {
		t.Fatalf("create: %d %s", st, body)
	}
	id := between(body, `"id":"`, `"`)
	patch := func(ops string) {
		t.Helper()
		st, body := scimDo(t, "PATCH", base+"/Users/"+id, scimToken,
			`{"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": [`+ops+`]}`)
		if st != 200 {
			t.Fatalf("patch %s: %d %s", ops, st, body)
		}
	}
	patch(`{"op": "Replace", "path": "displayName", "value": "John Q. Doe"}`)
	res := p.WaitResults(t, 1, 20*time.Second)
	if res[0].Action.Kind != actions.UpdateAttributes || res[0].Status != actions.StatusCompleted {
		t.Fatalf("update: %+v", res[0])
	}
	if u, _ := p.CV.User(5); u.FullName != "John Q. Doe" {
		t.Fatalf("Commvault full name %q", u.FullName)
	}

	patch(`{"op": "Replace", "path": "active", "value": "False"}`)
	res = p.WaitResults(t, 4, 20*time.Second)
	got := map[string]string{}
	for _, r := range res[1:] {
		if r.Action.Kind != actions.Quarantine || r.Action.Rule != "offboard-terminated" {
			t.Fatalf("unexpected result %+v", r)
		}
		got[r.Action.Target] = string(r.Status)
	}
	if got["bi"] != "completed" || got["cv"] != "completed" || got["tf"] != "completed" {
		t.Fatalf("quarantine results %v", got)
	}
	checkQuarantinedEverywhere(t, p, 12, 5, 3)

	// Entra retries the same PATCH: nothing changes, nothing is planned.
	patch(`{"op": "Replace", "path": "active", "value": "False"}`)
	time.Sleep(500 * time.Millisecond)
	if n := len(p.Results(t)); n != 4 {
		t.Fatalf("%d results after a repeated PATCH, want 4", n)
	}
	if strings.Contains(p.Logs.String(), scimToken) {
		t.Fatal("the provisioning token reached the logs")
	}
}

func between(s, start, end string) string {
	_, rest, _ := strings.Cut(s, start)
	v, _, _ := strings.Cut(rest, end)
	return v
}
