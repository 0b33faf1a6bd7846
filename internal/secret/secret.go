// Package secret holds credentials so that they cannot leak by accident.
//
// A [Secret] prints, formats, logs and marshals as "[REDACTED]"; the only way to
// read it is Reveal, which makes every use greppable. Secrets come from
// references (env:NAME or file:/path), never from inline configuration.
package secret

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
)

const redacted = "[REDACTED]"

// Secret is a credential value that redacts itself everywhere except Reveal.
//
// The value sits behind a pointer: fmt prints a struct's unexported fields
// by reflection without calling their methods, and at that depth it prints
// a pointer as an address, so a Secret inside a client's unexported config
// shows 0xc000... rather than the value.
type Secret struct {
	value *string
}

// New wraps a plain value, for values that arrive at run time (a rotated
// client secret, a session token) rather than from configuration.
func New(value string) Secret {
	if value == "" {
		return Secret{}
	}
	return Secret{value: &value}
}

// Reveal returns the plain value. Call it only where the value goes on the wire.
func (s Secret) Reveal() string {
	if s.value == nil {
		return ""
	}
	return *s.value
}

// IsZero reports whether the secret is empty.
func (s Secret) IsZero() bool { return s.value == nil }

// Equal reports whether two secrets hold the same value.
func (s Secret) Equal(o Secret) bool { return s.Reveal() == o.Reveal() }

// Fingerprint is the first 8 hex characters of the value's SHA-256: enough to
// tell two secrets apart in results and logs, useless for recovering them.
func (s Secret) Fingerprint() string {
	if s.IsZero() {
		return ""
	}
	sum := sha256.Sum256([]byte(s.Reveal()))
	return hex.EncodeToString(sum[:4])
}

// String redacts.
func (s Secret) String() string { return redacted }

// GoString redacts, so %#v does not leak.
func (s Secret) GoString() string { return redacted }

// Format redacts for every verb.
func (s Secret) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte(redacted)) }

// LogValue redacts in slog output.
func (s Secret) LogValue() slog.Value { return slog.StringValue(redacted) }

// MarshalJSON redacts.
func (s Secret) MarshalJSON() ([]byte, error) { return []byte(`"` + redacted + `"`), nil }

// MarshalText redacts (YAML and other text encoders).
func (s Secret) MarshalText() ([]byte, error) { return []byte(redacted), nil }

// ErrBadReference is returned for a reference that is neither env: nor file:.
var ErrBadReference = errors.New("secret reference must be env:NAME or file:/path")

// Ref is a reference to a secret as written in configuration.
type Ref string

// Resolve reads the secret the reference points at. Errors name the
// reference, never the value.
func (r Ref) Resolve() (Secret, error) {
	ref := string(r)
	switch {
	case strings.HasPrefix(ref, "env:"):
		name := strings.TrimPrefix(ref, "env:")
		if name == "" {
			return Secret{}, fmt.Errorf("%q: %w", ref, ErrBadReference)
		}
		v, ok := os.LookupEnv(name)
		if !ok || v == "" {
			return Secret{}, fmt.Errorf("environment variable %s is not set", name)
		}
		return New(v), nil
	case strings.HasPrefix(ref, "file:"):
		path := strings.TrimPrefix(ref, "file:")
		if path == "" {
			return Secret{}, fmt.Errorf("%q: %w", ref, ErrBadReference)
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return Secret{}, fmt.Errorf("read secret file %s: %w", path, err)
		}
		v := strings.TrimRight(string(b), "\r\n")
		if v == "" {
			return Secret{}, fmt.Errorf("secret file %s is empty", path)
		}
		return New(v), nil
	default:
		return Secret{}, ErrBadReference
	}
}

// Check validates the reference's form without reading it.
func (r Ref) Check() error {
	ref := string(r)
	if (strings.HasPrefix(ref, "env:") && len(ref) > 4) || (strings.HasPrefix(ref, "file:") && len(ref) > 5) {
		return nil
	}
	return ErrBadReference
}
