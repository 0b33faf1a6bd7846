package app_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/quell-dev/quell/internal/actions"
	"github.com/quell-dev/quell/internal/quelltest"
	"github.com/quell-dev/quell/internal/secret"
	"github.com/quell-dev/quell/internal/sourceauth"
)

// A signed BambooHR delivery with one termination and one unrelated
// change: the terminated employee is quarantined wherever they have an
// account, and nothing is done about the other employee.
func TestBambooHRTerminationQuarantinesEverywhere(t *testing.T) {
	t.Parallel()
	keyFile := filepath.Join(t.TempDir(), "bamboo")
	const key = "bamboo-webhook-private-key-0123456789"
	if err := os.WriteFile(keyFile, []byte(key), 0o600); err != nil {
		t.Fatal(err)
	}
	p := quelltest.StartPipeline(t, quelltest.PipelineOptions{
		Sources: `  - {name: bamboo, kind: bamboohr, auth: {scheme: bamboohr, secrets: ["file:` + keyFile + `"]}}`,
		Policy: `
policy:
  rules:
    - name: offboarding
      when: 'event.type == "dev.quell.hr.employee.v1" && data.change == "terminated"'
      actions:
        - {action: quarantine, target: "*", user: data.user}
`})
	body := `{"employees":[
	  {"id":"318","action":"Updated","changedFields":["Employment Status","Status"],
	   "fields":{"First Name":"John","Last Name":"Doe","Work Email":"jdoe@example.com","Employee #":"E-1043",
	             "Status":"Inactive","Employment Status":"Terminated","Termination Date":"2026-11-23"}},
	  {"id":"412","action":"Updated","changedFields":["Last Name"],
	   "fields":{"First Name":"Alice","Last Name":"Smith-Jones","Work Email":"asmith@example.com","Status":"Active"}}]}`
	ts := time.Now().UTC().Format(time.RFC3339)
	status, resp := p.Post(t, "/v1/webhooks/bamboo", body, map[string]string{"Content-Type": "application/json",
		sourceauth.HeaderBambooHRTimestamp: ts, sourceauth.HeaderBambooHRSignature: sourceauth.SignBambooHR(secret.New(key), []byte(body), ts)})
	if status != 202 || strings.Count(resp, "sha256-") != 2 {
		t.Fatalf("post: %d %s", status, resp)
	}
	res := p.WaitResults(t, 3, 15*time.Second)
	completed := 0
	for _, r := range res {
		if r.Action.User.Email != "jdoe@example.com" {
			t.Fatalf("acted on the wrong employee: %+v", r.Action)
		}
		switch {
		case r.Status == actions.StatusCompleted:
			completed++
		case r.Status == actions.StatusSkipped && strings.HasPrefix(r.Reason, "no account on"):
		default:
			t.Errorf("%s: %s %s", r.Action.Target, r.Status, r.Reason)
		}
	}
	if u, _ := p.CV.User(5); u.Enabled || completed == 0 {
		t.Fatalf("Commvault jdoe enabled=%v, %d completed", u.Enabled, completed)
	}
}
