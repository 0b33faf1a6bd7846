package app_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/quell-dev/quell/internal/actions"
	"github.com/quell-dev/quell/internal/cli"
	"github.com/quell-dev/quell/internal/events"
	tfsim "github.com/quell-dev/quell/internal/pam/threadfix/sim"
	"github.com/quell-dev/quell/internal/quelltest"
)

// Helpers shared by the end-to-end tests of this package.

// quarantineRoute is the BeyondInsight simulator's route of a quarantine.
const quarantineRoute = "POST Users/{id}/Quarantine"

// storedStreams are the streams whose messages could carry what a pipeline
// handled: events, action requests, results and dead letters.
var storedStreams = []string{events.StreamEvents, events.StreamActions, events.StreamResults, events.StreamDLQ}

// acceptAlert posts alert to the pipeline's demo source under a new
// delivery id and fails the test unless the ingest accepts it (202).
func acceptAlert(t *testing.T, p *quelltest.Pipeline, alert string) {
	t.Helper()
	if status, body := p.PostAlert(t, alert, ""); status != 202 {
		t.Fatalf("post: %d %s", status, body)
	}
}

// postAPI sends body to the ingest's path with the pipeline's API token,
// as JSON unless headers say otherwise; headers are added to those.
func postAPI(t *testing.T, p *quelltest.Pipeline, path, body string, headers map[string]string) (int, string) {
	t.Helper()
	h := map[string]string{"Authorization": "Bearer " + quelltest.APIToken, "Content-Type": "application/json"}
	for k, v := range headers {
		h[k] = v
	}
	return p.Post(t, path, body, h)
}

// postAction requests action on target for user through POST /v1/actions,
// with an idempotency key made of key, target and action.
func postAction(t *testing.T, p *quelltest.Pipeline, target, action, user string, params map[string]any, key string) (int, string) {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"action": action, "target": target, "user": user, "params": params, "reason": "e2e " + key})
	return postAPI(t, p, "/v1/actions", string(body), map[string]string{"Idempotency-Key": key + target + action})
}

// runCLI runs quellctl with args against the pipeline's configuration and
// returns what it printed on stdout.
func runCLI(t *testing.T, p *quelltest.Pipeline, args ...string) (string, error) {
	t.Helper()
	var out, errOut strings.Builder
	root := cli.NewRoot(&out, &errOut)
	root.SetArgs(append([]string{"--config", p.ConfigFile, "--timeout", "60s"}, args...))
	err := root.Execute()
	return out.String(), err
}

// waitDeadLetters waits until the DLQ in js holds a message on subject (a
// pattern such as quell.dlq.execute) and returns those it holds.
func waitDeadLetters(t *testing.T, js jetstream.JetStream, subject string, timeout time.Duration, what string) []jetstream.RawStreamMsg {
	t.Helper()
	var dead []jetstream.RawStreamMsg
	quelltest.Eventually(t, timeout, what, func() bool {
		dead = quelltest.StreamMsgs(t, js, events.StreamDLQ, subject)
		return len(dead) > 0
	})
	return dead
}

// waitConsumer waits until the durable consumer name exists on stream.
func waitConsumer(t *testing.T, js jetstream.JetStream, stream, name string, timeout time.Duration, what string) {
	t.Helper()
	quelltest.Eventually(t, timeout, what, func() bool {
		_, err := js.Consumer(context.Background(), stream, name)
		return err == nil
	})
}

// publishAction publishes a request for a on its action subject, as the
// ingest does for a request it accepted, bypassing the ingest.
func publishAction(ctx context.Context, t testing.TB, pub *events.Publisher, a actions.Action) {
	t.Helper()
	ev, err := events.NewActionRequested(events.SourceResponder, a)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := pub.Publish(ctx, events.ActionSubject(a.Target, string(a.Kind)), ev); err != nil {
		t.Fatal(err)
	}
}

// checkQuarantinedEverywhere reports each simulator on which a user is not
// quarantined: BeyondInsight user biID, Commvault user cvID (disabled) and
// ThreadFix user tfID (without a global role).
func checkQuarantinedEverywhere(t *testing.T, p *quelltest.Pipeline, biID, cvID, tfID int) {
	t.Helper()
	if u, _ := p.BI.User(biID); !u.IsQuarantined {
		t.Errorf("BeyondInsight: user %d not quarantined", biID)
	}
	if u, _ := p.CV.User(cvID); u.Enabled {
		t.Errorf("Commvault: user %d still enabled", cvID)
	}
	if u, _ := p.TF.User(tfID); u.GlobalRoleID != tfsim.NoGlobalAccess {
		t.Errorf("ThreadFix: user %d still has global role %d", tfID, u.GlobalRoleID)
	}
}
