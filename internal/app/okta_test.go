package app_test

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/quell-dev/quell/internal/actions"
	"github.com/quell-dev/quell/internal/events"
	"github.com/quell-dev/quell/internal/pam/beyondinsight/sim"
	tfsim "github.com/quell-dev/quell/internal/pam/threadfix/sim"
	"github.com/quell-dev/quell/internal/quelltest"
)

// oktaPolicy is the example policy of docs/sources.md for Okta.
const oktaPolicy = `
policy:
  rules:
    - name: okta-deactivated-or-suspended
      when: 'event.type == "dev.quell.alert.v1" && data.source_kind == "okta" && data.event_type in ["user.lifecycle.deactivate", "user.lifecycle.suspend"] && data.outcome == "SUCCESS"'
      actions:
        - {action: quarantine, target: "*", user: data.user}
    - name: okta-locked-out
      when: 'event.type == "dev.quell.alert.v1" && data.source_kind == "okta" && data.event_type == "user.account.lock"'
      actions:
        - {action: terminate_sessions, target: bi, user: data.user}
    - name: okta-left-pam-admins
      when: 'event.type == "dev.quell.alert.v1" && data.source_kind == "okta" && data.event_type == "group.user_membership.remove" && data.targets.exists(t, t.type == "UserGroup" && t.display_name == "PAM Admins")'
      actions:
        - {action: remove_group, target: bi, user: data.user, params: {group: '"PAM Admins"'}}
        - {action: remove_group, target: cv, user: data.user, params: {group: '"CORP\\PAM Admins"'}}
`

const oktaSecret = "okta-hook-secret-0123456789abcdef"

func startOkta(t *testing.T) *quelltest.Pipeline {
	t.Helper()
	f := filepath.Join(t.TempDir(), "okta")
	if err := os.WriteFile(f, []byte(oktaSecret), 0o600); err != nil {
		t.Fatal(err)
	}
	// On BeyondInsight, as in directories synced from the identity
	// provider, the user's name is the login.
	users := append(sim.DefaultUsers(), sim.User{UserID: 40, UserName: "jdoe@example.com", FirstName: "John", LastName: "Doe", EmailAddress: "jdoe@example.com"})
	return quelltest.StartPipeline(t, quelltest.PipelineOptions{Policy: oktaPolicy, BIUsers: users,
		Sources: `  - {name: okta, kind: okta, auth: {scheme: header, secrets: ["file:` + f + `"]}}`})
}

func oktaDelivery(evs ...string) string {
	return `{"eventType":"com.okta.event_hook","eventTypeVersion":"1.0","cloudEventsVersion":"0.1",` +
		`"source":"https://example.okta.com/api/v1/eventHooks/who1","eventId":"d-1","data":{"events":[` + strings.Join(evs, ",") + `]}}`
}

func oktaUserEvent(uuid, typ, login string) string {
	return `{"uuid":"` + uuid + `","published":"2026-12-01T10:00:00.000Z","eventType":"` + typ + `","version":"0",` +
		`"displayMessage":"Deactivate Okta user","severity":"INFO",` +
		`"actor":{"id":"00uadmin","type":"User","alternateId":"admin@example.com","displayName":"Admin"},` +
		`"outcome":{"result":"SUCCESS","reason":null},` +
		`"target":[{"id":"00u1","type":"User","alternateId":"` + login + `","displayName":"John Doe"}]}`
}

// An Okta user.lifecycle.deactivate delivery quarantines the user on all
// three targets. Okta's verification GET is answered, the delivery gets
// the 200 Okta expects, each System Log event is stored under its uuid,
// and the same event delivered again in another batch is not stored twice.
func TestOktaDeactivationQuarantinesEverywhere(t *testing.T) {
	t.Parallel()
	p := startOkta(t)
	// On ThreadFix, as with SAML sign-in, the user's name is the login.
	p.TF.PutUser(tfsim.User{ID: 40, Name: "jdoe@example.com", DisplayName: "John Doe", Type: "SAML", GlobalRoleID: 1})

	if status, body := verifyGET(t, p, "okta", "QmVyZW5pY2UgV2FzIEhlcmU="); status != 200 || strings.TrimSpace(body) != `{"verification":"QmVyZW5pY2UgV2FzIEhlcmU="}` {
		t.Fatalf("verification: %d %s", status, body)
	}
	if status, _ := verifyGET(t, p, "demo", "x"); status != 404 {
		t.Fatalf("a non-okta source answered the verification: %d", status)
	}

	delivery := oktaDelivery(oktaUserEvent("7f3c-deactivate", "user.lifecycle.deactivate", "jdoe@example.com"))
	if status, resp := p.Post(t, "/v1/webhooks/okta", delivery, map[string]string{"Content-Type": "application/json"}); status != 401 {
		t.Fatalf("no secret: %d %s", status, resp)
	}
	hdr := map[string]string{"Content-Type": "application/json", "Authorization": oktaSecret}
	status, resp := p.Post(t, "/v1/webhooks/okta", delivery, hdr)
	var acc struct{ IDs []string }
	if status != 200 || json.Unmarshal([]byte(resp), &acc) != nil || len(acc.IDs) != 1 || acc.IDs[0] != "7f3c-deactivate" {
		t.Fatalf("delivery: %d %s", status, resp)
	}
	res := p.WaitResults(t, 3, 20*time.Second)
	for _, r := range res {
		if r.Status != actions.StatusCompleted || r.Action.Kind != actions.Quarantine || r.Action.Rule != "okta-deactivated-or-suspended" {
			t.Errorf("%s: %s %s", r.Action.Target, r.Status, r.Reason)
		}
	}
	checkQuarantinedEverywhere(t, p, 40, 5, 40)
	// Okta redelivers the event in a batch with another: stored once.
	again := oktaDelivery(oktaUserEvent("7f3c-deactivate", "user.lifecycle.deactivate", "jdoe@example.com"),
		`{"uuid":"8a1d-app","eventType":"application.lifecycle.update","severity":"INFO",`+
			`"actor":{"id":"0oa1","type":"SystemPrincipal","alternateId":"system@okta.com"},"outcome":{"result":"SUCCESS"},`+
			`"target":[{"id":"0oa2","type":"AppInstance","alternateId":"Salesforce","displayName":"Salesforce"}]}`)
	status, resp = p.Post(t, "/v1/webhooks/okta", again, hdr)
	if status != 200 || !strings.Contains(resp, `"duplicates":1`) {
		t.Fatalf("redelivery: %d %s", status, resp)
	}
	if n := len(quelltest.StreamMsgs(t, p.NATS.JS, events.StreamEvents, "quell.events.>")); n != 1 {
		t.Fatalf("%d events stored, want 1", n)
	}
	if strings.Contains(p.Logs.String(), oktaSecret) {
		t.Fatal("the hook's secret reached the logs")
	}
}

func verifyGET(t *testing.T, p *quelltest.Pipeline, source, challenge string) (int, string) {
	t.Helper()
	return quelltest.Do(t, http.MethodGet, p.IngestURL+"/v1/webhooks/"+source, "", map[string]string{"X-Okta-Verification-Challenge": challenge})
}
