package secretstore_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"filippo.io/age"

	"github.com/quell-dev/quell/internal/actions"
	"github.com/quell-dev/quell/internal/config"
	"github.com/quell-dev/quell/internal/quelltest"
	"github.com/quell-dev/quell/internal/secret"
	"github.com/quell-dev/quell/internal/secretstore"
)

func TestDeliverEncryptsForTheMatchingRecipient(t *testing.T) {
	t.Parallel()
	n := quelltest.StartNATS(t)
	svc, _ := age.GenerateX25519Identity()
	other, _ := age.GenerateX25519Identity()
	targets := []config.Target{{Name: "bi", SecretRecipients: []config.SecretRecipient{
		{Users: "svc-*", Recipient: svc.Recipient().String()},
		{Users: "app-*", Recipient: other.Recipient().String()},
	}}}
	store, err := secretstore.Open(context.Background(), n.JS, targets)
	if err != nil {
		t.Fatal(err)
	}
	const plain = "n3w-cl13nt-s3cr3t-value-0123456789abcdef"
	a := actions.Action{ID: "act_rot", Kind: actions.RotateClientSecret, Target: "bi", User: actions.UserRef{Username: "svc-pam-worker"}}
	if err := store.Deliver(context.Background(), a, secret.New(plain)); err != nil {
		t.Fatal(err)
	}
	ct, err := secretstore.Fetch(context.Background(), n.JS, "act_rot")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(ct), plain) || !strings.HasPrefix(string(ct), "-----BEGIN AGE ENCRYPTED FILE-----") {
		t.Fatalf("stored value is not an armored age file:\n%s", ct)
	}
	got, err := secretstore.Decrypt(ct, strings.NewReader(svc.String()))
	if err != nil || got.Reveal() != plain {
		t.Fatalf("decrypt with the recipient's identity: %v", err)
	}
	if _, err := secretstore.Decrypt(ct, strings.NewReader(other.String())); err == nil {
		t.Fatal("another recipient's identity decrypted it")
	}

	nobody := actions.Action{ID: "act_x", Target: "bi", User: actions.UserRef{Username: "jdoe"}}
	if err := store.CanDeliver(nobody); !errors.Is(err, secretstore.ErrNoRecipient) {
		t.Fatalf("no matching pattern: %v", err)
	}
	if _, err := secretstore.Fetch(context.Background(), n.JS, "act_missing"); !errors.Is(err, secretstore.ErrNotFound) {
		t.Fatalf("missing: %v", err)
	}
}
