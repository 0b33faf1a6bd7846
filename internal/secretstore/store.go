// Package secretstore delivers secrets that actions produce (a rotated
// client secret) without ever holding them in plain text: each is encrypted
// at once with age to the recipient configured for its target and user, and
// kept in the quell_secrets JetStream KV bucket under the action id, until
// its TTL. Only whoever holds the matching age identity can read it
// (quellctl secret get); everything else sees its fingerprint.
package secretstore

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"path"

	"filippo.io/age"
	"filippo.io/age/armor"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/quell-dev/quell/internal/actions"
	"github.com/quell-dev/quell/internal/config"
	"github.com/quell-dev/quell/internal/events"
	"github.com/quell-dev/quell/internal/secret"
)

// ErrNoRecipient means no recipient is configured for the target and user.
var ErrNoRecipient = errors.New("no secret recipient configured")

// ErrNotFound means no secret is stored under that action id (never
// produced, or expired).
var ErrNotFound = errors.New("no secret stored for that action")

type rule struct {
	users     string
	recipient age.Recipient
}

// Store encrypts and keeps produced secrets. It implements [actions.SecretSink].
type Store struct {
	kv    jetstream.KeyValue
	rules map[string][]rule
}

var _ actions.SecretSink = (*Store)(nil)

// Open binds to the secrets bucket with the recipients of every target.
func Open(ctx context.Context, js jetstream.JetStream, targets []config.Target) (*Store, error) {
	kv, err := js.KeyValue(ctx, events.BucketSecrets)
	if err != nil {
		return nil, fmt.Errorf("open secrets bucket: %w", err)
	}
	s := &Store{kv: kv, rules: map[string][]rule{}}
	for i, t := range targets {
		for j, r := range t.SecretRecipients {
			rec, err := age.ParseX25519Recipient(r.Recipient)
			if err != nil {
				return nil, fmt.Errorf("targets[%d].secret_recipients[%d].recipient: %w", i, j, err)
			}
			s.rules[t.Name] = append(s.rules[t.Name], rule{users: r.Users, recipient: rec})
		}
	}
	return s, nil
}

// Recipient returns the recipient for a's user on a's target: the first rule
// whose pattern matches the username, UPN or email (an empty pattern
// matches everyone).
func (s *Store) Recipient(a actions.Action) (age.Recipient, error) {
	for _, r := range s.rules[a.Target] {
		if r.users == "" {
			return r.recipient, nil
		}
		for _, name := range []string{a.User.Username, a.User.UPN, a.User.Email} {
			if ok, _ := path.Match(r.users, name); ok && name != "" {
				return r.recipient, nil
			}
		}
	}
	return nil, fmt.Errorf("%w for %s on %s", ErrNoRecipient, a.User, a.Target)
}

// CanDeliver reports whether a produced secret for a would have a recipient.
func (s *Store) CanDeliver(a actions.Action) error {
	_, err := s.Recipient(a)
	return err
}

// Deliver implements [actions.SecretSink]: encrypt sec for a's recipient and
// store the armored ciphertext under a.ID.
func (s *Store) Deliver(ctx context.Context, a actions.Action, sec secret.Secret) error {
	rec, err := s.Recipient(a)
	if err != nil {
		return err
	}
	ct, err := Encrypt(sec, rec)
	if err != nil {
		return err
	}
	if _, err := s.kv.Put(ctx, a.ID, ct); err != nil {
		return fmt.Errorf("store secret of %s: %w", a.ID, err)
	}
	return nil
}

// Encrypt returns sec encrypted to rec, ASCII-armored.
func Encrypt(sec secret.Secret, rec age.Recipient) ([]byte, error) {
	var buf bytes.Buffer
	aw := armor.NewWriter(&buf)
	w, err := age.Encrypt(aw, rec)
	if err != nil {
		return nil, fmt.Errorf("encrypt secret: %w", err)
	}
	if _, err := io.WriteString(w, sec.Reveal()); err != nil {
		return nil, fmt.Errorf("encrypt secret: %w", err)
	}
	if err := w.Close(); err != nil {
		return nil, fmt.Errorf("encrypt secret: %w", err)
	}
	if err := aw.Close(); err != nil {
		return nil, fmt.Errorf("encrypt secret: %w", err)
	}
	return buf.Bytes(), nil
}

// Fetch returns the armored ciphertext stored for action id.
func Fetch(ctx context.Context, js jetstream.JetStream, id string) ([]byte, error) {
	kv, err := js.KeyValue(ctx, events.BucketSecrets)
	if err != nil {
		return nil, fmt.Errorf("open secrets bucket: %w", err)
	}
	e, err := kv.Get(ctx, id)
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return nil, fmt.Errorf("%w %s (never produced, or older than nats.secrets_ttl)", ErrNotFound, id)
	}
	if err != nil {
		return nil, err
	}
	return e.Value(), nil
}

// Decrypt opens an armored ciphertext with the identities read from r (an
// age identity file).
func Decrypt(ct []byte, identities io.Reader) (secret.Secret, error) {
	ids, err := age.ParseIdentities(identities)
	if err != nil {
		return secret.Secret{}, fmt.Errorf("read age identity: %w", err)
	}
	rd, err := age.Decrypt(armor.NewReader(bytes.NewReader(ct)), ids...)
	if err != nil {
		return secret.Secret{}, fmt.Errorf("decrypt: %w (is this the identity of the configured recipient?)", err)
	}
	b, err := io.ReadAll(rd)
	if err != nil {
		return secret.Secret{}, fmt.Errorf("decrypt: %w", err)
	}
	return secret.New(string(b)), nil
}
