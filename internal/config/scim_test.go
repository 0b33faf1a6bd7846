package config

import (
	"strings"
	"testing"
)

func TestSCIMSettings(t *testing.T) {
	cases := []struct {
		name, ingest string
		problems     []string // substrings of the error; none means valid
		source       string
	}{
		{name: "off by default", ingest: "listen: 127.0.0.1:8080"},
		{name: "on with a scim token", source: "scim", ingest: `
  api_tokens: [{name: entra, token: "env:T", scopes: [scim]}]
  scim: {enabled: true}`},
		{name: "named source", source: "entra", ingest: `
  api_tokens: [{name: entra, token: "env:T", scopes: [scim]}]
  scim: {enabled: true, source: entra, base_url: "https://quell.example.com/scim/v2"}`},
		{name: "no token with the scope", ingest: `
  api_tokens: [{name: soar, token: "env:T"}]
  scim: {enabled: true}`, problems: []string{"ingest.scim.enabled: no ingest.api_tokens entry has the scim scope"}},
		{name: "source shared with a webhook source", ingest: `
  api_tokens: [{name: entra, token: "env:T", scopes: [scim]}]
  scim: {enabled: true, source: demo, base_url: "quell.example.com"}`,
			problems: []string{`ingest.scim.source: "demo" is also sources[0].name`, "ingest.scim.base_url"}},
		{name: "source not a subject token", ingest: `
  api_tokens: [{name: entra, token: "env:T", scopes: [scim]}]
  scim: {enabled: true, source: "entra.id"}`, problems: []string{"ingest.scim.source"}},
	}
	for _, c := range cases {
		cfg, err := Parse([]byte(valid + "ingest:\n  " + strings.TrimSpace(c.ingest) + "\n"))
		if len(c.problems) == 0 {
			if err != nil || (c.source != "" && cfg.Ingest.SCIM.Source != c.source) {
				t.Errorf("%s: %v, source %q", c.name, err, cfg.Ingest.SCIM.Source)
			}
			continue
		}
		for _, want := range c.problems {
			if err == nil || !strings.Contains(err.Error(), want) {
				t.Errorf("%s: %v, want %q", c.name, err, want)
			}
		}
	}
}
