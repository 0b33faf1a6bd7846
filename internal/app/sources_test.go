package app_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/quell-dev/quell/internal/config"
	"github.com/quell-dev/quell/internal/sourcecfg"
)

// Every auth scheme must build from a configuration with only its own
// keys set (defaults must not add keys a scheme refuses).
func TestEverySourceSchemeBuildsFromConfig(t *testing.T) {
	dir := t.TempDir()
	key := filepath.Join(dir, "k")
	if err := os.WriteFile(key, []byte("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Parse([]byte(`
sources:
  - {name: sw, kind: generic, auth: {scheme: standard-webhooks, secrets: ["file:` + key + `"]}}
  - {name: bearer, kind: generic, auth: {scheme: bearer, secrets: ["file:` + key + `"]}}
  - {name: basic, kind: generic, auth: {scheme: basic, username: siem, secrets: ["file:` + key + `"]}}
  - {name: bamboo, kind: generic, auth: {scheme: bamboohr, secrets: ["file:` + key + `"]}}
  - {name: hmac, kind: generic, auth: {scheme: hmac, header: X-Sig, encoding: hex, signed: body, secrets: ["file:` + key + `"]}}
  - {name: none, kind: cloudevents, auth: {scheme: none}}
`))
	if err != nil {
		t.Fatal(err)
	}
	srcs, err := sourcecfg.BuildSources(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if len(srcs) != 6 {
		t.Fatalf("built %d sources", len(srcs))
	}
}
