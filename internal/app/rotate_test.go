package app_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"filippo.io/age"

	"github.com/quell-dev/quell/internal/actions"
	"github.com/quell-dev/quell/internal/quelltest"
	"github.com/quell-dev/quell/internal/secretstore"
)

// A rotated client secret reaches its recipient age-encrypted, and nothing
// else of Quell ever holds it: not the logs, not any stream, not the result.
func TestRotatedSecretIsDeliveredEncryptedAndNeverLeaks(t *testing.T) {
	t.Parallel()
	id, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	p := quelltest.StartPipeline(t, quelltest.PipelineOptions{
		TargetExtra: `secret_recipients: [{users: "svc-*", recipient: "` + id.Recipient().String() + `"}]`,
		Policy: `
policy:
  rules:
    - name: rotate-leaked-app-secret
      when: 'data.rule == "secret-scanner"'
      actions:
        - {action: rotate_client_secret, target: bi, user: data.user}
`})
	acceptAlert(t, p, `{"user":"svc-pam-worker","severity":60,"rule":"secret-scanner"}`)
	res := p.WaitResults(t, 1, 15*time.Second)
	r := res[0]
	fp := r.Outcome.Details[actions.DetailSecretFingerprint]
	if r.Status != actions.StatusCompleted || fp == "" || fp != p.BI.ClientSecretFingerprint(57) {
		t.Fatalf("result %+v; simulator fingerprint %s", r, p.BI.ClientSecretFingerprint(57))
	}
	ct, err := secretstore.Fetch(context.Background(), p.NATS.JS, r.Action.ID)
	if err != nil {
		t.Fatal(err)
	}
	sec, err := secretstore.Decrypt(ct, strings.NewReader(id.String()))
	if err != nil || sec.Fingerprint() != fp {
		t.Fatalf("decrypted secret: %v (fingerprint %s, want %s)", err, sec.Fingerprint(), fp)
	}
	plain := sec.Reveal()
	p.StopWorker()
	if strings.Contains(p.Logs.String(), plain) {
		t.Error("the logs contain the rotated secret")
	}
	for _, stream := range storedStreams {
		for _, m := range quelltest.StreamMsgs(t, p.NATS.JS, stream, "") {
			if strings.Contains(string(m.Data), plain) {
				t.Errorf("%s holds the rotated secret in plain text", stream)
			}
		}
	}
}
