package secret

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const plain = "s3cr3t-value-that-must-not-leak"

func TestSecretRedactsEverywhere(t *testing.T) {
	s := New(plain)
	var logBuf bytes.Buffer
	slog.New(slog.NewJSONHandler(&logBuf, nil)).Info("msg", "secret", s, "nested", struct{ S Secret }{s})
	js, err := json.Marshal(map[string]any{"s": s, "p": &s})
	if err != nil {
		t.Fatal(err)
	}
	outputs := map[string]string{
		"%v":   fmt.Sprintf("%v", s),
		"%s":   fmt.Sprintf("%s", s),
		"%+v":  fmt.Sprintf("%+v", struct{ S Secret }{s}),
		"%#v":  fmt.Sprintf("%#v", s),
		"%q":   fmt.Sprintf("%q", s),
		"%x":   fmt.Sprintf("%x", s),
		"json": string(js),
		"slog": logBuf.String(),
		"err":  fmt.Errorf("wrap: %v", s).Error(),
	}
	for name, out := range outputs {
		if strings.Contains(out, plain) {
			t.Errorf("%s leaked the secret: %s", name, out)
		}
		if !strings.Contains(out, redacted) {
			t.Errorf("%s did not show the redaction marker: %s", name, out)
		}
	}
	if s.Reveal() != plain {
		t.Fatalf("Reveal = %q", s.Reveal())
	}
}

func TestFingerprint(t *testing.T) {
	a, b := New("one"), New("two")
	if len(a.Fingerprint()) != 8 || a.Fingerprint() == b.Fingerprint() {
		t.Fatalf("fingerprints %q %q", a.Fingerprint(), b.Fingerprint())
	}
	if New("").Fingerprint() != "" {
		t.Fatal("empty secret has a fingerprint")
	}
}

func TestResolve(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "s")
	if err := os.WriteFile(path, []byte(plain+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("QUELL_TEST_SECRET", plain)
	cases := []struct {
		ref     Ref
		wantErr bool
	}{
		{"env:QUELL_TEST_SECRET", false},
		{Ref("file:" + path), false},
		{"env:QUELL_TEST_UNSET_XYZ", true},
		{Ref("file:" + filepath.Join(dir, "missing")), true},
		{"env:", true},
		{Ref(plain), true},
	}
	for _, c := range cases {
		s, err := c.ref.Resolve()
		if (err != nil) != c.wantErr {
			t.Errorf("%s: err = %v", c.ref, err)
		}
		if err != nil && strings.Contains(err.Error(), plain) {
			t.Errorf("%s: error leaks value: %v", c.ref, err)
		}
		if err == nil && s.Reveal() != plain {
			t.Errorf("%s: value %q", c.ref, s.Reveal())
		}
	}
}

// fmt prints unexported fields by reflection, without calling their
// methods: a Secret nested in a client's unexported config must still not
// show its value.
func TestSecretInUnexportedFieldDoesNotLeak(t *testing.T) {
	type config struct {
		key  Secret
		keys []Secret
	}
	type client struct{ cfg config }
	c := &client{cfg: config{key: New(plain), keys: []Secret{New(plain)}}}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s"} {
		if out := fmt.Sprintf(verb, c); strings.Contains(out, plain) {
			t.Errorf("%s leaked the secret: %s", verb, out)
		}
	}
}
